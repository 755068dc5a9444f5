"""GET /api/v1/appeals/: what the platform reads about appeals, and the outcome it must act on. Only what it needs:
never the appellant's contact address, statement, evidence or messages, nor which reviewer decided."""

import datetime as dt
from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from appeals.api.pagination import IdCursorPagination
from appeals.choices import DecisionAccount
from appeals.dashboard.filters import AppealFilter
from appeals.events import ACTIONS
from appeals.filters import MomentFilter
from appeals.models import Appeal, AppealStatus, Decision, Outcome, Suspension
from portal.integrations.models import Scope


class IdFilter(django_filters.NumberFilter):
    """One of our ids: a whole number a bigint column can hold (a larger one would overflow the driver, not match)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class AppealApiFilter(AppealFilter):
    """The review queue's filters, plus what a system syncing outcomes asks for. Every status unless one is chosen;
    no "mine" (a key is nobody) and no sort order (pages are in id order)."""

    open_by_default = False
    assigned = None
    ordering = None
    suspension = IdFilter(field_name="suspension", help_text="Our id of the suspension appealed against.")
    puid = django_filters.CharFilter(field_name="suspension__puid", help_text="Your id of the suspension.")
    updated_after = MomentFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this moment (ISO 8601)."
    )
    decided_after = MomentFilter(
        field_name="decided_at", lookup_expr="gte", help_text="Decided at or after this moment (ISO 8601)."
    )


class UtcDateTimeField(serializers.DateTimeField):
    """A moment in UTC, as every moment the API gives. Naming the zone spares looking up the active one for each
    value: five a row, a hundred rows a page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", dt.UTC)
        super().__init__(*args, **kwargs)


UTC_FIELD_MAPPING = {**serializers.ModelSerializer.serializer_field_mapping, models.DateTimeField: UtcDateTimeField}


class SuspensionRefSerializer(serializers.ModelSerializer[Suspension]):
    class Meta:
        model = Suspension
        fields = ["id", "puid"]


class BlankAsNullChoiceField(serializers.ChoiceField):
    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) or None


class AppealDecisionSerializer(serializers.ModelSerializer[Decision]):
    reasons = serializers.CharField(help_text="The reasons as the appellant reads them.")
    serializer_field_mapping = UTC_FIELD_MAPPING
    decided_at = UtcDateTimeField(source="appeal.decided_at")
    approved = serializers.SerializerMethodField(help_text="A second senior reviewer approved this reversal.")
    new_decision_account = BlankAsNullChoiceField(
        choices=DecisionAccount.choices, allow_null=True, help_text="For `modified`: the restriction it becomes."
    )
    new_end_date = UtcDateTimeField(allow_null=True, help_text="For `modified`: the restriction's new end.")
    action = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["outcome", "reasons", "decided_at", "approved", "new_decision_account", "new_end_date", "action"]

    def get_approved(self, decision: Decision) -> bool:
        return decision.approved_by_id is not None

    @extend_schema_field(
        serializers.ChoiceField(
            choices=list(ACTIONS.values()),
            help_text="What the platform must do: `reinstate_account` (overturned), `modify_restriction` (modified: "
            "apply `new_decision_account` / `new_end_date`), `none` (upheld).",
        )
    )
    def get_action(self, decision: Decision) -> str:
        return ACTIONS[Outcome(decision.outcome)]


class AppealSerializer(serializers.ModelSerializer[Appeal]):
    serializer_field_mapping = UTC_FIELD_MAPPING
    suspension = SuspensionRefSerializer()
    status = serializers.ChoiceField(
        choices=AppealStatus.choices,
        help_text="`awaiting_approval`: a reversal waits for a second senior reviewer; not yet final.",
    )
    decision = serializers.SerializerMethodField(help_text="The final decision; null until there is one.")

    class Meta:
        model = Appeal
        fields = [
            "id",
            "reference",
            "status",
            "suspension",
            "handle",
            "identity_verified",
            "language",
            "filed_at",
            "due_at",
            "decided_at",
            "withdrawn_at",
            "updated_at",
            "decision",
        ]

    @cached_property
    def _decision(self) -> AppealDecisionSerializer:
        """One for the whole page: a serializer copies its fields when made, which would cost more than the row."""
        return AppealDecisionSerializer(context=self.context)

    @extend_schema_field(AppealDecisionSerializer(allow_null=True))
    def get_decision(self, appeal: Appeal) -> dict[str, Any] | None:
        final = appeal.final_decisions  # type: ignore[attr-defined]  # prefetched by the view
        return self._decision.to_representation(final[0]) if final else None


@extend_schema_view(
    list=extend_schema(
        summary="List appeals",
        description="Appeals against your suspensions, every status unless `status` is given, in id order. Follow "
        "`next` until it is null. To sync outcomes, ask for `decided_after` the last time you looked.",
        responses={200: AppealSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One appeal",
        responses={200: AppealSerializer},
    ),
)
class AppealViewSet(viewsets.ReadOnlyModelViewSet[Appeal]):
    serializer_class = AppealSerializer
    filterset_class = AppealApiFilter
    pagination_class = IdCursorPagination
    read_scope = Scope.APPEALS_READ

    def get_queryset(self) -> QuerySet[Appeal]:
        # Appeals that matched no case are not about any suspension of the platform's; they stay ours.
        return (
            Appeal.objects.filter(suspension__isnull=False)
            .select_related("suspension")
            .prefetch_related(
                Prefetch(
                    "decisions",
                    queryset=Decision.objects.filter(state=Decision.State.FINAL),
                    to_attr="final_decisions",
                )
            )
            .order_by("id")
        )
