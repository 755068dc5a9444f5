"""Small builders that go through the real services, so test data obeys the same rules as real data."""

import itertools
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import staff_create
from appeals.choices import AutomatedDecision, Category, DecisionAccount, DecisionGround, SourceType
from appeals.models import Appeal, AppealReason, NoticeStatus, Suspension
from appeals.services import appeal_file, appeal_file_unverified
from appeals.suspensions import notice_record, suspension_ingest
from portal.audit.actors import Actor
from portal.integrations.models import ApiKey, Integration
from portal.integrations.services import api_key_issue

PASSWORD = "correct horse battery staple"
PLATFORM = Actor.system("platform")
_numbers = itertools.count(1)


def make_staff(name: str, *roles: Role) -> User:
    user = User(email=f"{name}@recourse.test", full_name=name.title(), password=make_password(PASSWORD))
    return staff_create(actor=Actor.system("tests"), user=user, roles=roles)


def make_api_key(*scopes: str, integration: str = "Example platform") -> tuple[ApiKey, str]:
    """A key for the integration (made if missing) with these scopes, and the key as the integration would send it."""
    owner, _created = Integration.objects.get_or_create(name=integration)
    issued = api_key_issue(actor=Actor.system("tests"), integration=owner, name="tests", scopes=list(scopes))
    return issued.key, issued.plaintext


def make_suspension(
    handle: str | None = None, *, informed: bool = True, puid: str | None = None, **fields: Any
) -> Suspension:
    number = next(_numbers)
    handle = handle or f"user{number}"
    values: dict[str, Any] = {
        "handle": handle,
        "account_email": f"{handle}@example.org",
        "decision_account": DecisionAccount.SUSPENDED,
        "application_date": timezone.now() - timedelta(days=3),
        "decision_ground": DecisionGround.INCOMPATIBLE_CONTENT,
        "incompatible_content_ground": "Community rules §4: violent extremism",
        "incompatible_content_explanation": "Posts shared material from a designated group.",
        "category": Category.ILLEGAL_OR_HARMFUL_SPEECH,
        "decision_facts": "Three posts on 2 November quoted a banned group's slogan.",
        "source_type": SourceType.VOLUNTARY,
        "automated_detection": True,
        "automated_decision": AutomatedDecision.FULLY,
        "territorial_scope": ["DE", "FR"],
    }
    values.update(fields)
    suspension = suspension_ingest(actor=PLATFORM, puid=puid or f"puid-{handle}-{number}", fields=values).suspension
    if informed:
        sent = timezone.now() - timedelta(days=2)
        notice_record(
            actor=PLATFORM,
            suspension=suspension,
            channel="email",
            address=values["account_email"],
            status=NoticeStatus.DELIVERED,
            sent_at=sent,
        )
        suspension.refresh_from_db()
    return suspension


def make_appeal(suspension: Suspension | None = None, *, identity_verified: bool = True, **fields: Any) -> Appeal:
    """File as the account holder would, or with identity_verified=False from a new address."""
    suspension = suspension or make_suspension()
    values: dict[str, Any] = {
        "reason": AppealReason.CONTEXT_MISSED,
        "statement": "I research extremist propaganda and posted it to debunk it.",
        "contact_email": suspension.account_email,
        "language": "en",
    }
    values.update(fields)
    if identity_verified:
        return appeal_file(suspension=suspension, **values)
    return appeal_file_unverified(handle=suspension.handle, **values)
