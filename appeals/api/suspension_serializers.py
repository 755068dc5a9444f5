"""What the platform sends about suspensions and notices, and what it reads back. Statement fields keep the EU DSA
Transparency Database's names and values, so a platform sends us what it sends there."""

import datetime as dt
import re
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db.models import Model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

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
from appeals.models import Appeal, Notice, NoticeStatus, Outcome, Suspension, Wave, handle_key
from appeals.sor_rules import LATEST_DAY
from appeals.suspensions import BatchResult, IngestOutcome, Statement

PUID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+\Z")
PUID = RegexValidator(PUID_PATTERN, "Only letters, digits, hyphens and underscores.")
# The Transparency Database refuses earlier dates, so we do too: the statement could not be exported.
EARLIEST_APPLICATION = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
EARLIEST_CONTENT = dt.date(2000, 1, 1)
AFTER_LATEST = f"The Transparency Database takes no date after {LATEST_DAY.isoformat()}."
# Recourse's own free-text fields have no limit in the model; a statement is not the place for more than this.
LONG_TEXT = 10_000
# Clocks differ a little; a notice "sent" further in the future than this is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=5)
# A notice may precede a decision dated by day only (midnight UTC) in a timezone ahead of UTC, but not by more.
NOTICE_LEAD = dt.timedelta(days=1)
SHOWN_CHARS = 40


def _not_after_latest(value: dt.datetime) -> None:
    """The database's ceiling is a day; a moment counts on its day in the site's time zone, as the export writes it."""
    if timezone.localdate(value) > LATEST_DAY:
        raise serializers.ValidationError(AFTER_LATEST)


def _max_length(model: type[Model], name: str) -> int:
    return model._meta.get_field(name).max_length  # type: ignore[union-attr,return-value]


def _shown(value: object) -> str:
    """A wrong value as an error quotes it: short, and always encodable (JSON may carry lone surrogates)."""
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


class NoSurrogates(ProhibitSurrogateCharactersValidator):
    """DRF's check and message, with one search instead of a Python loop over every character: a wave is 125,000
    statements of a dozen texts each."""

    SURROGATE = re.compile("[\ud800-\udfff]")

    def __call__(self, value: Any) -> None:
        if self.SURROGATE.search(str(value)):
            super().__call__(value)


class StringOnly:
    """JSON strings only: DRF would turn 12 or 1.5 into text, and a wrong type should be named as one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        field = cast("serializers.Field[Any, Any, Any, Any]", self)
        field.validators = [
            NoSurrogates() if isinstance(v, ProhibitSurrogateCharactersValidator) else v for v in field.validators
        ]

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class Text(StringOnly, serializers.CharField):
    """A JSON string of text."""


class Email(StringOnly, serializers.EmailField):
    """A JSON string holding an email address."""


class Slug(StringOnly, serializers.SlugField):
    """A JSON string holding a slug."""


class Choice(serializers.ChoiceField):
    """A string among the choices; a wrong one is quoted shortly in the error."""

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        if data == "" and self.allow_blank:
            return ""
        if data not in self.choice_strings_to_values:
            self.fail("invalid_choice", input=_shown(data))
        return self.choice_strings_to_values[data]


class ChoiceList(serializers.ListField):
    """A list of values from one vocabulary, kept once each and sorted, so a resend in another order is unchanged."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", len(choices))
        super().__init__(child=Choice(choices=choices), **kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)  # before checking each of a million values
        return sorted(set(super().to_internal_value(data)))


@extend_schema_field({"oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["Yes", "No"]}]})
class YesNo(serializers.Field):
    """The Transparency Database's "Yes" / "No", or a JSON boolean; read back as a boolean."""

    default_error_messages = {"invalid": 'Must be "Yes" or "No" (or true or false).'}
    WORDS = {"yes": True, "no": False}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.lower() in self.WORDS:
            return self.WORDS[data.lower()]
        self.fail("invalid")
        raise AssertionError  # fail() always raises

    def to_representation(self, value: bool) -> bool:
        return value


@extend_schema_field({"oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})
class Moment(serializers.DateTimeField):
    """A date as the Transparency Database writes it (YYYY-MM-DD, taken as midnight UTC) or an ISO 8601 date and
    time; one without an offset is UTC."""

    default_error_messages = {"invalid": "Use a date (YYYY-MM-DD) or an ISO 8601 date and time."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=dt.UTC, **kwargs)


def _text(name: str, *, model: type[Model] = Suspension, required: bool = False, limit: int | None = None) -> Text:
    return Text(max_length=limit or _max_length(model, name), required=required, allow_blank=not required)


class StatementSerializer(serializers.Serializer[Any]):
    """One statement of reasons. Fields a statement leaves out keep what an earlier send stored (or their default);
    fields we do not store (decision_visibility, content_language, ...) are ignored."""

    puid = Text(
        max_length=_max_length(Suspension, "puid"),
        trim_whitespace=False,
        validators=[PUID],
        help_text="The platform's unique id for this statement (Transparency Database rules: at most 500 letters, "
        "digits, hyphens and underscores). Sending the same puid again updates that suspension.",
    )
    handle = Text(
        max_length=_max_length(Suspension, "handle"), help_text="The account's handle, as its holder knows it."
    )
    account_email = Email(
        max_length=_max_length(Suspension, "account_email"),
        required=False,
        allow_blank=True,
        help_text="The address the platform has on file: Recourse sends sign-in links only there.",
    )
    account_type = Choice(choices=AccountType.choices, required=False, allow_blank=True)
    wave = Slug(
        max_length=_max_length(Wave, "key"),
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A key (slug) naming the batch of suspensions this one belongs to; a new key makes a new wave.",
    )
    decision_account = Choice(choices=DecisionAccount.choices)
    application_date = Moment(validators=[MinValueValidator(EARLIEST_APPLICATION), _not_after_latest])
    end_date_account_restriction = Moment(
        required=False,
        allow_null=True,
        validators=[_not_after_latest],
        help_text="Empty or null for an indefinite restriction.",
    )
    decision_ground = Choice(choices=DecisionGround.choices)
    illegal_content_legal_ground = _text("illegal_content_legal_ground")
    illegal_content_explanation = _text("illegal_content_explanation")
    incompatible_content_ground = _text("incompatible_content_ground")
    incompatible_content_explanation = _text("incompatible_content_explanation")
    incompatible_content_illegal = YesNo(required=False, allow_null=True)
    category = Choice(choices=Category.choices)
    category_specification = ChoiceList(Keyword.choices, required=False)
    decision_facts = _text("decision_facts", required=True)
    source_type = Choice(choices=SourceType.choices)
    source_identity = _text("source_identity")
    automated_detection = YesNo()
    automated_decision = Choice(choices=AutomatedDecision.choices)
    detection_rule = _text("detection_rule")
    territorial_scope = ChoiceList(
        [(code, code) for code in EEA_COUNTRIES], required=False, help_text="EU and EEA country codes."
    )
    content_type = ChoiceList(ContentType.choices, required=False)
    content_date = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[MinValueValidator(EARLIEST_CONTENT), MaxValueValidator(LATEST_DAY, AFTER_LATEST)],
    )
    content_description = _text("content_description", limit=LONG_TEXT)

    def validate_handle(self, value: str) -> str:
        key = handle_key(value)
        if not key:
            raise serializers.ValidationError("Must have a character besides @ and spaces.")
        if len(key) > _max_length(Suspension, "handle_key"):
            raise serializers.ValidationError("Too long once normalised for lookups.")
        return value

    def validate_wave(self, value: str | None) -> str | None:
        return value or None


def statement_from(item: Any, checker: StatementSerializer) -> Statement | BatchResult:
    """One item of the body, checked: a statement for the service, or the item rejected with its field errors."""
    try:
        data = dict(checker.run_validation(item))
    except serializers.ValidationError as error:
        errors = error.detail if isinstance(error.detail, dict) else {"non_field_errors": error.detail}
        return BatchResult(puid=_puid_of(item), outcome=IngestOutcome.REJECTED, errors=errors)
    puid = data.pop("puid")
    return Statement(puid=puid, fields=data)


def _puid_of(item: Any) -> str | None:
    puid = item.get("puid") if isinstance(item, dict) else None
    valid = isinstance(puid, str) and len(puid) <= _max_length(Suspension, "puid") and PUID_PATTERN.search(puid)
    return puid if valid else None


def ingest_report(results: list[BatchResult]) -> dict[str, Any]:
    items = []
    for index, result in enumerate(results):
        item: dict[str, Any] = {
            "index": index,
            "puid": result.puid,
            "outcome": result.outcome,
            "id": result.suspension.pk if result.suspension else None,
        }
        if result.errors:
            item["errors"] = result.errors
        items.append(item)
    summary = {outcome.value: 0 for outcome in IngestOutcome}
    for result in results:
        summary[result.outcome] += 1
    return {"results": items, "summary": summary}


# What the API answers: these describe the responses in the schema; the views build plain dicts.


class ItemResultSerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField(help_text="The item's place in the batch, from 0.")
    puid = serializers.CharField(allow_null=True, help_text="The item's puid, or null when it had no valid one.")
    outcome = serializers.ChoiceField(choices=IngestOutcome.choices)
    id = serializers.IntegerField(allow_null=True, help_text="Recourse's id for the suspension; null if rejected.")
    # DRF takes declared fields off the class, so this does not hide Serializer.errors.
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False,
        child=serializers.JSONField(),
        help_text="Only for a rejected item: each field at fault and the reasons.",
    )


class SummarySerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()


class IngestReportSerializer(serializers.Serializer[Any]):
    results = ItemResultSerializer(many=True)
    summary = SummarySerializer()


class IngestRefusalSerializer(serializers.Serializer[Any]):
    """400 from POST /suspensions/: the usual error, and for a single rejected statement its report too."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(required=False, child=serializers.JSONField())  # type: ignore[assignment]
    results = ItemResultSerializer(many=True, required=False)
    summary = SummarySerializer(required=False)


class NoticeSerializer(serializers.ModelSerializer[Notice]):
    class Meta:
        model = Notice
        fields = ["id", "channel", "address", "status", "sent_at", "status_at", "detail", "sent_by_recourse"]
        read_only_fields = fields


class FinalOutcome(serializers.ChoiceField):
    """The outcome of an appeal's final decision (prefetched as `final_decisions`), or null before it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Outcome.choices, source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        final = value.final_decisions
        return final[0].outcome if final else None


class AppealBriefSerializer(serializers.ModelSerializer[Appeal]):
    outcome = FinalOutcome(help_text="The final decision's outcome, once decided.")

    class Meta:
        model = Appeal
        fields = ["id", "reference", "status", "filed_at", "decided_at", "outcome"]
        read_only_fields = fields


class SuspensionSerializer(serializers.ModelSerializer[Suspension]):
    """A suspension as stored: the statement (Transparency Database names) and what Recourse knows of it."""

    wave: serializers.SlugRelatedField[Wave] = serializers.SlugRelatedField(
        slug_field="key", read_only=True, allow_null=True
    )
    account_type = serializers.ChoiceField(choices=AccountType.choices, allow_blank=True, read_only=True)
    category_specification = serializers.ListField(
        child=serializers.ChoiceField(choices=Keyword.choices), read_only=True
    )
    territorial_scope = serializers.ListField(child=serializers.ChoiceField(choices=EEA_COUNTRIES), read_only=True)
    content_type = serializers.ListField(child=serializers.ChoiceField(choices=ContentType.choices), read_only=True)
    never_informed = serializers.BooleanField(
        read_only=True, help_text="No notice is known to have reached the account holder."
    )
    appeal_deadline = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="The end of the appeal window; null until the window starts."
    )

    class Meta:
        model = Suspension
        fields = [
            "id",
            *(name for name in StatementSerializer._declared_fields),
            "informed_at",
            "never_informed",
            "appeal_deadline",
            "reinstated_at",
            "received_at",
            "updated_at",
        ]
        read_only_fields = fields


class SuspensionDetailSerializer(SuspensionSerializer):
    notices = NoticeSerializer(many=True, read_only=True)
    appeals = AppealBriefSerializer(many=True, read_only=True)

    class Meta(SuspensionSerializer.Meta):
        fields = [*SuspensionSerializer.Meta.fields, "notices", "appeals"]
        read_only_fields = fields


class NoticeInSerializer(serializers.Serializer[Any]):
    """A notice the platform sent. `suspension` in the context is the one it was about."""

    channel = Choice(choices=Notice.Channel.choices)
    address = _text("address", model=Notice)
    status = Choice(choices=NoticeStatus.choices)
    sent_at = Moment()
    status_at = Moment(required=False, allow_null=True, help_text="When the status was reported; sent_at if left out.")
    detail = _text("detail", model=Notice)

    def validate_sent_at(self, value: dt.datetime) -> dt.datetime:
        _not_ahead(value)
        earliest = self.context["suspension"].application_date - NOTICE_LEAD
        if value < earliest:
            raise serializers.ValidationError("More than a day before the suspension's application_date.")
        return value

    def validate_status_at(self, value: dt.datetime | None) -> dt.datetime | None:
        return _not_ahead(value) if value else value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["channel"] != Notice.Channel.IN_APP and not attrs.get("address"):
            raise serializers.ValidationError({"address": "Required for a notice by email, text message or post."})
        if attrs["channel"] == Notice.Channel.EMAIL:
            _valid_address(attrs["address"])
        if attrs.get("status_at") and attrs["status_at"] < attrs["sent_at"]:
            raise serializers.ValidationError({"status_at": "Cannot be before sent_at."})
        return attrs


class NoticeStatusSerializer(serializers.Serializer[Any]):
    """A later report on a notice. `notice` in the context is the one reported on."""

    status = Choice(choices=NoticeStatus.choices)
    status_at = Moment(required=False, allow_null=True, help_text="When it happened; now if left out.")
    detail = _text("detail", model=Notice)

    def validate_status_at(self, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return value
        if value < self.context["notice"].sent_at:
            raise serializers.ValidationError("Cannot be before the notice's sent_at.")
        return _not_ahead(value)


def _not_ahead(value: dt.datetime) -> dt.datetime:
    if value > timezone.now() + CLOCK_SKEW:
        raise serializers.ValidationError("Cannot be in the future.")
    return value


def _valid_address(address: str) -> None:
    try:
        EmailValidator()(address)
    except DjangoValidationError as error:
        raise serializers.ValidationError({"address": "Enter a valid email address."}) from error


class SuspensionStateSerializer(serializers.ModelSerializer[Suspension]):
    never_informed = serializers.BooleanField(
        read_only=True, help_text="No notice is known to have reached the account holder."
    )
    appeal_deadline = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Suspension
        fields = ["id", "informed_at", "never_informed", "appeal_deadline"]
        read_only_fields = fields


class NoticeReceiptSerializer(NoticeSerializer):
    """A notice as recorded, with what it means for the suspension: informed or not, and the appeal deadline."""

    suspension = SuspensionStateSerializer(read_only=True)

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "suspension"]
        read_only_fields = fields
