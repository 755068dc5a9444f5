"""Who may open a staff page: signed in with password and TOTP, and holding the permission the page needs."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse

View = Callable[..., HttpResponseBase]


def staff_required(perm: str | None = "appeals.review_appeal") -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return _to(request, "staff:login")
            if not second_factor_passed(request):
                return _to(request, "staff:verify")
            if perm and not user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def second_factor_passed(request: HttpRequest) -> bool:
    """Whether this session also entered a TOTP code (django-otp's middleware adds user.is_verified)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def _to(request: HttpRequest, step: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
