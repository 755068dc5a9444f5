"""Filters for lists of suspensions, as the platform asks for them through the API."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from appeals.choices import AutomatedDecision, Category, DecisionGround, SourceType
from appeals.models import Suspension, handle_key


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, in UTC: PostgreSQL refuses offsets beyond ±16 hours, which Python (and ISO) allow."""

    def to_python(self, value: Any) -> dt.datetime | None:
        moment = super().to_python(value)
        try:
            return moment.astimezone(dt.UTC) if moment else None
        except OverflowError as error:
            raise forms.ValidationError(_("This moment is out of range."), code="invalid") from error


class MomentFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class SuspensionFilter(filters.FilterSet):
    puid = filters.CharFilter(label=_("The platform's unique id"))
    handle = filters.CharFilter(method="filter_handle", label=_("Handle (any case, with or without @)"))
    wave = filters.CharFilter(field_name="wave__key", label=_("Wave key"))
    category = filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    decision_ground = filters.ChoiceFilter(choices=DecisionGround.choices, label=_("Ground"))
    automated_detection = filters.BooleanFilter(label=_("Found by automated means"))
    automated_decision = filters.ChoiceFilter(choices=AutomatedDecision.choices, label=_("Automated decision"))
    source_type = filters.ChoiceFilter(choices=SourceType.choices, label=_("Source"))
    never_informed = filters.BooleanFilter(
        field_name="informed_at", lookup_expr="isnull", label=_("No notice reached the account holder")
    )
    received_after = MomentFilter(field_name="received_at", lookup_expr="gte", label=_("Received at or after"))
    received_before = MomentFilter(field_name="received_at", lookup_expr="lt", label=_("Received before"))
    updated_after = MomentFilter(field_name="updated_at", lookup_expr="gte", label=_("Changed at or after"))

    class Meta:
        model = Suspension
        fields: list[str] = []

    def filter_handle(self, queryset: QuerySet[Suspension], name: str, value: str) -> QuerySet[Suspension]:
        return queryset.filter(handle_key=handle_key(value))
