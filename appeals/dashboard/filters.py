"""One FilterSet for the review queue, shared by the dashboard and the API."""

import django_filters
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.choices import AutomatedDecision, Category, DecisionGround
from appeals.models import DUE_SOON, OPEN_STATUSES, Appeal, AppealStatus, Wave, handle_key


class AppealFilter(django_filters.FilterSet):
    # A column of the appeal itself: no join can repeat a row, so no DISTINCT (which would sort every column).
    status = django_filters.MultipleChoiceFilter(choices=AppealStatus.choices, distinct=False, label=_("Status"))
    category = django_filters.ChoiceFilter(
        field_name="suspension__category", choices=Category.choices, label=_("Category")
    )
    ground = django_filters.ChoiceFilter(
        field_name="suspension__decision_ground", choices=DecisionGround.choices, label=_("Ground")
    )
    automated_detection = django_filters.BooleanFilter(
        field_name="suspension__automated_detection", label=_("Found by automated means")
    )
    automated_decision = django_filters.ChoiceFilter(
        field_name="suspension__automated_decision", choices=AutomatedDecision.choices, label=_("Automated decision")
    )
    wave = django_filters.ModelChoiceFilter(field_name="suspension__wave", queryset=Wave.objects.all(), label=_("Wave"))
    rule = django_filters.CharFilter(field_name="suspension__detection_rule", label=_("Detection rule"))
    identity_verified = django_filters.BooleanFilter(label=_("Identity verified"))
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES, label=_("Language"))
    due = django_filters.ChoiceFilter(
        method="filter_due", choices=[("soon", _("Due within 2 days")), ("overdue", _("Overdue"))], label=_("Due")
    )
    assigned = django_filters.ChoiceFilter(
        method="filter_assigned", choices=[("mine", _("Mine")), ("unassigned", _("Unassigned"))], label=_("Held by")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Handle or reference"))
    ordering = django_filters.OrderingFilter(fields=(("due_at", "due"), ("filed_at", "age")), label=_("Sort by"))

    class Meta:
        model = Appeal
        fields: list[str] = []

    # The queue is open work; the API's subclass lists decided appeals too, since the platform reads outcomes.
    open_by_default = True

    def filter_queryset(self, queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
        if self.open_by_default and not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=OPEN_STATUSES)  # the queue is open work unless asked otherwise
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("due_at", "id")
        return queryset

    def filter_due(self, queryset: QuerySet[Appeal], name: str, value: str) -> QuerySet[Appeal]:
        now = timezone.now()
        if value == "overdue":
            return queryset.filter(due_at__lt=now)
        return queryset.filter(due_at__gte=now, due_at__lt=now + DUE_SOON)

    def filter_assigned(self, queryset: QuerySet[Appeal], name: str, value: str) -> QuerySet[Appeal]:
        if value == "mine":
            return queryset.filter(assigned_to=self.request.user if self.request else None)
        return queryset.filter(assigned_to__isnull=True)

    def filter_q(self, queryset: QuerySet[Appeal], name: str, value: str) -> QuerySet[Appeal]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(handle_key=handle_key(value)))
