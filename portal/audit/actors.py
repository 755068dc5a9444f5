import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from portal.audit.models import ActorKind

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User
    from portal.integrations.models import ApiKey


@dataclass(frozen=True)
class Actor:
    """Who did something, as the audit trail records it: a kind, a stable id, a readable label, and the IP."""

    kind: ActorKind
    id: str = ""
    label: str = ""
    ip: str | None = None

    @classmethod
    def staff(cls, user: "User", ip: str | None = None) -> "Actor":
        return cls(ActorKind.STAFF, str(user.pk), user.email, normalize_ip(ip))

    @classmethod
    def appellant(cls, *, ref: str, label: str, ip: str | None = None) -> "Actor":
        """An appellant is known by their case ("case:12") or claimed handle ("handle:jo"), never a full address."""
        return cls(ActorKind.APPELLANT, ref, label, normalize_ip(ip))

    @classmethod
    def api(cls, key: "ApiKey", ip: str | None = None) -> "Actor":
        """An integration, known by the key it used: revoking one key leaves the others' trail apart."""
        return cls(ActorKind.API, f"key:{key.prefix}", f"{key.integration.name}: {key.name}", normalize_ip(ip))

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(ActorKind.SYSTEM, "", label, None)


def normalize_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip).compressed
    except ValueError:
        return None


def request_ip(request: "HttpRequest") -> str | None:
    """The client address. Behind our proxy (BEHIND_TLS_PROXY) every connection comes from the proxy, which appends
    the address it saw to X-Forwarded-For: the last entry is the client; earlier ones are whatever the client sent."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if settings.BEHIND_TLS_PROXY else ""
    return normalize_ip(forwarded.rpartition(",")[2].strip() or request.META.get("REMOTE_ADDR"))


def staff_actor(request: "HttpRequest") -> Actor:
    return Actor.staff(request.user, request_ip(request))  # type: ignore[arg-type]
