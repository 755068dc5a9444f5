"""The EU DSA Transparency Database's rules for a statement of reasons, written down on their own and checked field by
field against a statement as it is sent (the JSON object, not our model), so an export is proven against the rules
rather than against the code that built it.

Sources (docs/api.md lists each rule with its source):
- DOC: the database's API documentation, https://transparency.dsa.ec.europa.eu/page/api-documentation (its text is
  resources/markdown/en/api-documentation.md and, for API v2 since 1 July 2025, api-documentation-two.md in
  github.com/digital-services-act/transparency-database).
- CODE: the rules the database itself runs on each statement of a multiple-statements call,
  app/Services/GroupedSubmissionsService.php::multi_rules() in that repository (Laravel validation rules).
Where Recourse is stricter than the database it says so: a field the database would silently drop (`exclude_unless`)
is an error here, since the export should never send it, a decision applied after today is refused, and an end date
belongs only to a temporary restriction: the database has no field saying whether a restriction is temporary, so a
termination (permanent by definition) that carries an end date would publish a contradiction.

Vocabularies are appeals.choices, which copies the database's values (checked against api-documentation-two.md).
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.utils import timezone

from appeals.choices import (
    EEA_COUNTRIES,
    AccountType,
    AutomatedDecision,
    Category,
    ContentType,
    DecisionAccount,
    DecisionGround,
    Keyword,
    SourceType,
)

DOC = "transparency.dsa.ec.europa.eu/page/api-documentation"
CODE = "transparency-database: GroupedSubmissionsService::multi_rules"

YES_NO = frozenset({"Yes", "No"})
# The database's own pattern, anchored at the very end as PHP's /D flag does: no trailing newline slips through.
PUID = re.compile(r"[a-zA-Z0-9\-_]+")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST_CONTENT = date(2000, 1, 1)
EARLIEST_APPLICATION = date(2020, 1, 1)
LATEST_DAY = date(2038, 1, 1)
# The four kinds of decision; the database needs at least one. Recourse states decision_account only.
DECISIONS = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")


class RuleError(NamedTuple):
    field: str
    rule: str
    message: str


Statement = dict[str, Any]
Check = Callable[[Statement], bool]


def given(statement: Statement, name: str) -> bool:
    """Laravel's `required`: absent, null, a blank string and an empty list all count as not given (its TrimStrings
    middleware blanks a string of spaces)."""
    value = statement.get(name)
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value) and not value.isspace()
    return value != [] and value != {}


def ground_is(value: str) -> Check:
    return lambda statement: statement.get("decision_ground") == value


def lists(name: str, value: str) -> Check:
    return lambda statement: isinstance(statement.get(name), list) and value in statement[name]


@dataclass(frozen=True)
class Rule:
    """One attribute: when it is required, when it may be sent at all, and what its value must be."""

    name: str
    source: str
    required: bool = False
    required_if: Check | None = None  # required_if / Rule::requiredIf
    only_if: Check | None = None  # exclude_unless: sent only when this holds
    when: str = ""  # the condition in words, for the messages
    kind: str = "text"  # text | choice | list | day | yes_no
    choices: frozenset[str] = field(default_factory=frozenset)
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    earliest: date | None = None
    latest: date | None = None


ILLEGAL = ground_is(DecisionGround.ILLEGAL_CONTENT)
INCOMPATIBLE = ground_is(DecisionGround.INCOMPATIBLE_CONTENT)
CONTENT_OTHER = lists("content_type", ContentType.OTHER)
KEYWORD_OTHER = lists("category_specification", Keyword.OTHER)


def _not_voluntary(statement: Statement) -> bool:
    return statement.get("source_type") != SourceType.VOLUNTARY


RULES: tuple[Rule, ...] = (
    Rule("decision_account", CODE, kind="choice", choices=frozenset(DecisionAccount.values)),
    Rule("account_type", CODE, kind="choice", choices=frozenset(AccountType.values)),
    Rule("decision_ground", CODE, required=True, kind="choice", choices=frozenset(DecisionGround.values)),
    Rule(
        "illegal_content_legal_ground",
        CODE,
        required_if=ILLEGAL,
        only_if=ILLEGAL,
        when="decision_ground is DECISION_GROUND_ILLEGAL_CONTENT",
        max_length=500,
    ),
    Rule(
        "illegal_content_explanation",
        CODE,
        required_if=ILLEGAL,
        only_if=ILLEGAL,
        when="decision_ground is DECISION_GROUND_ILLEGAL_CONTENT",
        max_length=2000,
    ),
    Rule(
        "incompatible_content_ground",
        CODE,
        required_if=INCOMPATIBLE,
        only_if=INCOMPATIBLE,
        when="decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT",
        max_length=500,
    ),
    Rule(
        "incompatible_content_explanation",
        CODE,
        required_if=INCOMPATIBLE,
        only_if=INCOMPATIBLE,
        when="decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT",
        max_length=2000,
    ),
    Rule(
        "incompatible_content_illegal",
        CODE,
        only_if=INCOMPATIBLE,
        when="decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT",
        kind="yes_no",
        choices=YES_NO,
    ),
    Rule("content_type", CODE, required=True, kind="list", choices=frozenset(ContentType.values)),
    Rule(
        "content_type_other",
        CODE,
        required_if=CONTENT_OTHER,
        only_if=CONTENT_OTHER,
        when="content_type holds CONTENT_TYPE_OTHER",
        max_length=500,
    ),
    Rule("category", CODE, required=True, kind="choice", choices=frozenset(Category.values)),
    Rule("category_specification", CODE, kind="list", choices=frozenset(Keyword.values)),
    Rule(
        "category_specification_other",
        DOC,
        only_if=KEYWORD_OTHER,
        when="category_specification holds KEYWORD_OTHER",
        max_length=500,
    ),
    # The database's code lets it be null, its documentation says required: we follow the stricter.
    Rule("territorial_scope", DOC, required=True, kind="list", choices=frozenset(EEA_COUNTRIES)),
    Rule("content_date", CODE, required=True, kind="day", earliest=EARLIEST_CONTENT, latest=LATEST_DAY),
    Rule("application_date", CODE, required=True, kind="day", earliest=EARLIEST_APPLICATION, latest=LATEST_DAY),
    Rule("end_date_account_restriction", CODE, kind="day", latest=LATEST_DAY),
    Rule("decision_facts", CODE, required=True, max_length=5000),
    Rule("source_type", CODE, required=True, kind="choice", choices=frozenset(SourceType.values)),
    Rule(
        "source_identity",
        DOC,
        only_if=_not_voluntary,
        when="source_type is not SOURCE_VOLUNTARY",
        max_length=500,
    ),
    Rule("automated_detection", CODE, required=True, kind="yes_no", choices=YES_NO),
    Rule("automated_decision", CODE, required=True, kind="choice", choices=frozenset(AutomatedDecision.values)),
    Rule("puid", CODE, required=True, max_length=500, pattern=PUID),
)
BY_NAME = {rule.name: rule for rule in RULES}


def statement_errors(statement: Statement) -> list[RuleError]:
    """Every rule the statement breaks, field by field; an empty list means the database would take it."""
    errors = [error for name in statement if name not in BY_NAME for error in _unknown(name)]
    for rule in RULES:
        has = given(statement, rule.name)
        errors.extend(_presence(rule, statement, has))
        if has:
            errors.extend(_value(rule, statement[rule.name]))
    errors.extend(_across_fields(statement))
    return errors


def _unknown(name: str) -> list[RuleError]:
    return [RuleError(name, "known_field", "Not an attribute of an account-restriction statement Recourse sends.")]


def _presence(rule: Rule, statement: Statement, has: bool) -> list[RuleError]:
    if not has and rule.required:
        return [RuleError(rule.name, "required", "The Transparency Database requires it.")]
    if not has and rule.required_if and rule.required_if(statement):
        return [RuleError(rule.name, "required_if", f"The Transparency Database requires it when {rule.when}.")]
    if rule.name in statement and rule.only_if and not rule.only_if(statement):
        return [RuleError(rule.name, "exclude_unless", f"The database drops it unless {rule.when}.")]
    return []


def _value(rule: Rule, value: Any) -> list[RuleError]:
    return [RuleError(rule.name, name, message) for name, message in VALUE_CHECKS[rule.kind](rule, value)]


def _text(rule: Rule, value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, str):
        return [("string", "Must be a string.")]
    found = []
    if rule.max_length is not None and len(value) > rule.max_length:
        found.append(("max", f"At most {rule.max_length} characters; this has {len(value)}."))
    if rule.pattern is not None and not rule.pattern.fullmatch(value):
        found.append(("regex", "Only letters a-z and A-Z, digits, hyphens and underscores; no spaces."))
    return found


def _choice(rule: Rule, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str) and value in rule.choices:
        return []
    return [("in", f"{str(value)[:40]!r} is not one of the database's values.")]


def _list(rule: Rule, value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        return [("array", "Must be a list.")]
    wrong = [item for item in value if not (isinstance(item, str) and item in rule.choices)]
    if wrong:
        return [("in", f"Not among the database's values: {', '.join(repr(str(w)[:40]) for w in wrong[:5])}.")]
    return []


def _day(rule: Rule, value: Any) -> list[tuple[str, str]]:
    day = parse_day(value)
    if day is None:
        return [("date_format", "Must be a date written YYYY-MM-DD, with leading zeroes.")]
    if rule.earliest and day < rule.earliest:
        return [("after_or_equal", f"Must be on or after {rule.earliest.isoformat()}.")]
    if rule.latest and day > rule.latest:
        return [("before_or_equal", f"Must be on or before {rule.latest.isoformat()}.")]
    return []


VALUE_CHECKS = {"text": _text, "choice": _choice, "yes_no": _choice, "list": _list, "day": _day}


def parse_day(value: Any) -> date | None:
    if not (isinstance(value, str) and DAY.fullmatch(value)):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:  # 2025-02-30 has the shape but is no day
        return None


def _across_fields(statement: Statement) -> list[RuleError]:
    """Rules that compare fields with each other or with today."""
    errors = []
    if not any(given(statement, name) for name in DECISIONS):
        errors.append(
            RuleError("decision_account", "required_without_all", "The database requires one of the four decisions.")
        )
    applied = parse_day(statement.get("application_date"))
    ends = parse_day(statement.get("end_date_account_restriction"))
    if applied and ends and ends < applied:
        errors.append(
            RuleError("end_date_account_restriction", "after_or_equal", "Must be on or after the application_date.")
        )
    if ends and statement.get("decision_account") == "DECISION_ACCOUNT_TERMINATED":  # Recourse's own, see below
        errors.append(
            RuleError(
                "end_date_account_restriction",
                "only_temporary",
                "Only a suspension (a temporary restriction) has an end date; a termination does not.",
            )
        )
    if applied and applied > timezone.localdate():  # Recourse's own: a statement reports a decision taken
        errors.append(RuleError("application_date", "not_future", "A decision cannot be applied after today."))
    return errors


def errors_by_field(errors: Iterable[RuleError]) -> dict[str, list[str]]:
    """The errors as the API and the export name them: each field (in name order) with its messages."""
    grouped: dict[str, list[str]] = {}
    for error in sorted(errors, key=lambda each: each.field):
        grouped.setdefault(error.field, []).append(error.message)
    return grouped
