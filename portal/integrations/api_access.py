"""Who may call the API: an integration's key with the scope an endpoint needs, or a signed-in staff member
(password and TOTP) reading what the dashboard shows them. Each caller is throttled on its own."""

import hmac
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.staff_access import second_factor_passed
from portal.audit.actors import Actor, request_ip, staff_actor
from portal.integrations.keys import key_hash, key_prefix
from portal.integrations.models import ApiKey
from portal.ratelimit import CacheUnavailable, limit_not_applied

if TYPE_CHECKING:
    from rest_framework.views import APIView

# How often a key's "last used" time is written: often enough to spot a dead key, rarely enough to cost nothing.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Integration:
    """request.user for a call made with an API key: authenticated, but no staff member and no permissions."""

    is_authenticated = True
    is_active = True
    is_staff = False
    pk = None

    def __init__(self, key: ApiKey) -> None:
        self.key = key

    def __str__(self) -> str:
        return str(self.key)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Integration, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme != self.keyword:
            return None
        prefix = key_prefix(token.strip())
        key = ApiKey.objects.select_related("integration").filter(prefix=prefix).first() if prefix else None
        if key is None or not _same(key.key_hash, key_hash(token.strip())):
            raise exceptions.AuthenticationFailed("This API key is not valid.", code="invalid_key")
        if not key.is_active:
            raise exceptions.AuthenticationFailed("This API key was revoked.", code="revoked_key")
        _note_use(key)
        return Integration(key), key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def _same(stored: str, presented: str) -> bool:
    return hmac.compare_digest(stored, presented)


def _note_use(key: ApiKey) -> None:
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)


class StaffSessionAuthentication(SessionAuthentication):
    """The browsable API for staff: only a session that passed the second factor counts as signed in."""

    def authenticate(self, request: Request) -> Any:
        result = super().authenticate(request)
        if result is None or not second_factor_passed(request._request):
            return None
        return result


class ScopedAccess(BasePermission):
    """Keys need the view's scope (`read_scope` for GET, `write_scope` for the rest). Staff sessions may read
    what reviewers may see, and never write: changes from the platform come with the platform's key."""

    message = "You may not do this."

    def has_permission(self, request: Request, view: "APIView") -> bool:
        reading = request.method in SAFE_METHODS
        scope = getattr(view, "read_scope" if reading else "write_scope", None)
        if isinstance(request.auth, ApiKey):
            if scope is None or not request.auth.has_scope(scope):
                self.message = f"This API key lacks the {scope} scope." if scope else self.message
                return False
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return reading and scope is not None and user.has_perm("appeals.review_appeal")


class PerCallerThrottle(SimpleRateThrottle):
    """API_RATE_LIMIT requests per caller: each key counts on its own, each staff member on their own."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT

    def allow_request(self, request: Request, view: "APIView") -> bool:
        try:
            return super().allow_request(request, view)
        except CacheUnavailable as error:  # fails open, like every rate limit (see portal/ratelimit.py)
            limit_not_applied(self.scope, error)
            return True

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def api_actor(request: Request) -> Actor:
    """Who the audit trail names for a call: the key, or the staff member."""
    django_request: HttpRequest = request._request
    if isinstance(request.auth, ApiKey):
        return Actor.api(request.auth, request_ip(django_request))
    return staff_actor(django_request)
