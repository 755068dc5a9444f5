"""A suspension as a statement of reasons in the EU DSA Transparency Database's submission format (API v2):
https://transparency.dsa.ec.europa.eu/page/api-documentation. Field names and values are the database's own.

Only the platform's decision goes in: nothing Recourse adds (handle, email on file, wave, detection rule, the
appeal). Fields the database treats as optional are left out when empty; a statement that breaks one of the
database's rules (appeals.sor_rules: a required field missing, a text too long, a date out of range...) is refused
with the reasons, since the database would refuse it too."""

from datetime import date, datetime, time
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from appeals.choices import DecisionGround, SourceType
from appeals.models import Suspension
from appeals.sor_rules import errors_by_field, statement_errors


class YesNo(models.TextChoices):
    """The database's booleans: automated_detection and incompatible_content_illegal."""

    YES = "Yes"
    NO = "No"


class StatementIncomplete(Exception):
    """The Transparency Database would refuse this statement. `errors` maps each field to the reasons."""

    def __init__(self, puid: str, errors: dict[str, list[str]]) -> None:
        self.puid = puid
        self.errors = errors
        super().__init__(f"{puid}: " + "; ".join(f"{field}: {' '.join(why)}" for field, why in errors.items()))


def statement_of_reasons(suspension: Suspension) -> dict[str, Any]:
    """The statement, checked field by field against the database's rules (appeals.sor_rules) before it leaves."""
    statement = _mapped(suspension)
    errors = statement_errors(statement)
    if errors:
        raise StatementIncomplete(suspension.puid, errors_by_field(errors))
    return statement


def _mapped(suspension: Suspension) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "decision_account": suspension.decision_account,
        "end_date_account_restriction": _day(suspension.end_date_account_restriction),
        "account_type": suspension.account_type or None,
        "decision_ground": suspension.decision_ground,
        **_ground(suspension),
        "content_type": list(suspension.content_type),
        "category": suspension.category,
        "category_specification": list(suspension.category_specification) or None,
        "territorial_scope": list(suspension.territorial_scope),
        "content_date": _day(suspension.content_date),
        "application_date": _day(suspension.application_date),
        "decision_facts": suspension.decision_facts,
        "source_type": suspension.source_type,
        # The database ignores a source identity on the platform's own initiative; never send one there.
        "source_identity": None if suspension.source_type == SourceType.VOLUNTARY else suspension.source_identity,
        "automated_detection": _yes_no(suspension.automated_detection),
        "automated_decision": suspension.automated_decision,
        "puid": suspension.puid,
    }
    return {field: value for field, value in statement.items() if value not in (None, "")}


def _ground(suspension: Suspension) -> dict[str, Any]:
    if suspension.decision_ground == DecisionGround.ILLEGAL_CONTENT:
        return {
            "illegal_content_legal_ground": suspension.illegal_content_legal_ground,
            "illegal_content_explanation": suspension.illegal_content_explanation,
        }
    illegal = suspension.incompatible_content_illegal
    return {
        "incompatible_content_ground": suspension.incompatible_content_ground,
        "incompatible_content_explanation": suspension.incompatible_content_explanation,
        "incompatible_content_illegal": None if illegal is None else _yes_no(illegal),
    }


def _day(value: date | None) -> str | None:
    """YYYY-MM-DD; a moment counts on its day in the site's time zone."""
    if value is None:
        return None
    return (timezone.localdate(value) if isinstance(value, datetime) else value).isoformat()


def _yes_no(flag: bool) -> str:
    return YesNo.YES.value if flag else YesNo.NO.value


def suspensions_applied(since: date, until: date) -> QuerySet[Suspension]:
    """Suspensions that took effect on a day in [since, until), days counted in the site's time zone, the same days
    `application_date` carries in the statement."""
    start, end = (timezone.make_aware(datetime.combine(day, time.min)) for day in (since, until))
    return Suspension.objects.filter(application_date__gte=start, application_date__lt=end).order_by(
        "application_date", "id"
    )
