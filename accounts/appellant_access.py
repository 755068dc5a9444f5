"""How an appellant gets in without a password: a single-use link, and the session it opens.

Asking for a link answers the same way whether or not a case exists; only the address the platform has on file
(or, on the lost-address path, the address the person is proving they own) ever receives one.
"""

import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from hmac import compare_digest
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import AppellantToken
from appeals.models import Appeal, Suspension, handle_key
from appeals.suspensions import suspension_open_case
from portal.audit.actors import Actor
from portal.audit.services import audit_record
from portal.notifications.services import notification_queue
from portal.privacy import mask_email
from portal.rules import RuleViolation

TOKEN_LIFETIME = timedelta(minutes=30)
TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{24}\.[0-9a-f]{32}")
SESSION_KEY = "appellant"


def token_for(selector: str) -> str:
    """The secret half is derived from SECRET_KEY, so neither the token table nor the outbox holds a usable link."""
    return f"{selector}.{salted_hmac('recourse.appellant-token', selector, algorithm='sha256').hexdigest()[:32]}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AppellantAccess:
    """Who an appellant session speaks for. `suspension_id` is set only for those who came through the address
    on file; the others are known by the handle they named and the address they proved they own."""

    handle: str
    email: str
    suspension_id: int | None = None

    @property
    def through_address_on_file(self) -> bool:
        return self.suspension_id is not None

    @property
    def actor_ref(self) -> str:
        return f"case:{self.suspension_id}" if self.suspension_id else f"handle:{handle_key(self.handle)}"

    def actor(self, ip: str | None) -> Actor:
        return Actor.appellant(ref=self.actor_ref, label=mask_email(self.email), ip=ip)

    def appeals(self) -> Any:
        """The appeals this session may read and act on. Through the address on file: the holder's own, never one
        a stranger filed from elsewhere (the holder is told about those, and a reviewer sorts them out)."""
        if self.suspension_id is not None:
            own = Q(identity_verified=True) | Q(contact_email__iexact=self.email)
            return Appeal.objects.filter(own, suspension_id=self.suspension_id)
        return Appeal.objects.filter(handle_key=handle_key(self.handle), contact_email__iexact=self.email)

    def suspension(self) -> Suspension | None:
        return Suspension.objects.filter(pk=self.suspension_id).first() if self.suspension_id else None

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> "AppellantAccess | None":
        try:
            return cls(**data)
        except TypeError:
            return None


@transaction.atomic
def sign_in_link_request(*, handle: str, email: str, language: str, ip: str | None) -> None:
    """Send a sign-in link if `handle` has a case whose address on file is `email`. Says nothing either way."""
    suspension = (
        Suspension.objects.for_handle(handle).filter(account_email__iexact=email.strip()).order_by("-id").first()
    )
    audit_record(
        actor=Actor.appellant(ref=f"handle:{handle_key(handle)}", label=mask_email(email), ip=ip),
        action="access.link_requested",
        target=("appeals.suspension", str(suspension.pk) if suspension else ""),
        data={"matched": suspension is not None},
    )
    if suspension is None:
        return
    selector = _issue(AppellantToken.Purpose.SIGN_IN, handle=suspension.handle, email=email, suspension=suspension)
    notification_queue(
        template="sign_in_link",
        recipient_email=suspension.account_email,
        language=language,
        context={"selector": selector, "handle": suspension.handle, "minutes": 30},
        related=suspension,
    )


@transaction.atomic
def contact_verification_request(*, handle: str, email: str, language: str, ip: str | None) -> None:
    """The lost-address path: prove you own `email`. Sent whatever `handle` is, so it reveals nothing."""
    handle = handle.strip().lstrip("@")
    selector = _issue(AppellantToken.Purpose.VERIFY_CONTACT, handle=handle, email=email, suspension=None)
    audit_record(
        actor=Actor.appellant(ref=f"handle:{handle_key(handle)}", label=mask_email(email), ip=ip),
        action="access.contact_verification_requested",
        target=("accounts.appellanttoken", selector[:8]),
    )
    notification_queue(
        template="verify_contact",
        recipient_email=email,
        language=language,
        context={"selector": selector, "handle": handle, "minutes": 30},
    )


def _issue(purpose: str, *, handle: str, email: str, suspension: Suspension | None) -> str:
    selector = secrets.token_urlsafe(18)
    AppellantToken.objects.create(
        purpose=purpose,
        selector=selector,
        token_hash=_hash(token_for(selector)),
        handle=handle,
        email=email.strip(),
        suspension=suspension,
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    return selector


@transaction.atomic
def token_redeem(*, token: str, ip: str | None) -> AppellantAccess:
    """Use a link once. Refuses one that is unknown, used or expired, saying which so the page can offer a new one."""
    row = None
    if TOKEN_FORMAT.fullmatch(token):  # anything else never reaches the database
        row = AppellantToken.objects.select_for_update().filter(selector=token.partition(".")[0]).first()
    if row is None or not compare_digest(row.token_hash, _hash(token)):
        raise RuleViolation(_("This link is not valid."), code="invalid")
    if row.used_at is not None:
        raise RuleViolation(_("This link was already used."), code="used")
    if row.expires_at <= timezone.now():
        raise RuleViolation(_("This link has expired."), code="expired")
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    access = AppellantAccess(handle=row.handle, email=row.email, suspension_id=row.suspension_id)
    audit_record(actor=access.actor(ip), action="access.signed_in", target=row, data={"purpose": row.purpose})
    if row.suspension is not None:
        suspension_open_case(suspension=row.suspension, actor=access.actor(ip))
    return access
