"""Bulk reversal of a wrongful wave, and approving several proposed reversals at once (senior reviewers only).

The page lists the open appeals the queue's filters match, all ticked; one form decides the ticked ones with the
same reasons. The result is kept in the session and shown after a redirect, so reloading never runs it twice.
"""

from datetime import datetime, time
from functools import cached_property
from typing import Any

from django import forms
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.staff_access import staff_required
from appeals.bulk import BULK_LIMIT, BulkResult, appeals_bulk_decide, decisions_bulk_approve
from appeals.choices import DecisionAccount
from appeals.dashboard.filters import AppealFilter
from appeals.models import WORKABLE_STATUSES, Appeal, Outcome
from portal.audit.actors import request_ip
from portal.rules import RuleViolation

_RESULT_KEY = "review_bulk_result"


class SelectionField(forms.Field):
    """Ticked row ids. Checked for shape only: whether each row may still be acted on is the service's question,
    answered per row, so one appeal decided meanwhile never blocks the rest."""

    widget = forms.MultipleHiddenInput  # read with getlist; the template draws the checkboxes itself
    default_error_messages = {
        "required": _("Tick at least one."),
        "invalid": _("The selection was not understood. Reload the page and choose again."),
        "too_many": _("Choose at most %(limit)d at a time."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            ids = [int(item) for item in value]
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        return list(dict.fromkeys(ids))

    def validate(self, value: list[int]) -> None:
        super().validate(value)
        if len(value) > BULK_LIMIT:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"limit": BULK_LIMIT})


def _ticked_ids(form: forms.Form, name: str) -> set[int]:
    """What the person ticked, even when the form is refused, so the page redraws their choice."""
    data = form.data
    raw = data.getlist(name) if isinstance(data, MultiValueDict) else data.get(name) or []
    return {int(value) for value in raw if str(value).isdigit()}


class BulkDecideForm(forms.Form):
    appeals = SelectionField(error_messages={"required": _("Tick at least one appeal.")})
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(outcome.value, outcome.label) for outcome in (Outcome.OVERTURNED, Outcome.MODIFIED)],
        widget=forms.RadioSelect,
        initial=Outcome.OVERTURNED.value,
    )
    reasons = forms.CharField(
        label=_("Reasons (every appellant reads these)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write the reasons the appellants will read.")},
    )
    new_decision_account = forms.ChoiceField(
        label=_("Modified: restriction becomes"),
        choices=[("", _("unchanged")), *DecisionAccount.choices],
        required=False,
    )
    new_end_date = forms.DateField(
        label=_("Modified: restriction ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm = forms.BooleanField(
        label=_("I have read these cases"),
        label_suffix="",
        error_messages={"required": _("Confirm that you have read these cases.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        modified = data.get("outcome") == Outcome.MODIFIED
        if modified and not data.get("new_decision_account") and not data.get("new_end_date"):
            self.add_error(
                "new_decision_account",
                _("Say how the restriction changes: a lighter restriction or an earlier end."),
            )
        return data

    @cached_property
    def ticked(self) -> set[int]:
        return _ticked_ids(self, "appeals")

    def new_end(self) -> datetime | None:
        end = self.cleaned_data["new_end_date"]
        return timezone.make_aware(datetime.combine(end, time(0, 0))) if end else None


class BulkApproveForm(forms.Form):
    decisions = SelectionField(error_messages={"required": _("Tick at least one decision to approve.")})

    @cached_property
    def ticked(self) -> set[int]:
        return _ticked_ids(self, "decisions")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_http_methods(["GET", "POST"])
@staff_required("appeals.bulk_decide")
def bulk(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        result = _stored_result(request.session, request.GET.get("done"))
        if result is not None:
            return render(request, "review/bulk_result.html", {"result": result})
        return _selection_page(request, BulkDecideForm())
    form = BulkDecideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = appeals_bulk_decide(
                appeals=data["appeals"],
                by=_user(request),
                outcome=data["outcome"],
                reasons=data["reasons"],
                new_decision_account=data["new_decision_account"],
                new_end_date=form.new_end(),
                ip=request_ip(request),
            )
        except RuleViolation as refusal:
            form.add_error(None, refusal.message)
        else:
            return _show_result(request, result)
    return _selection_page(request, form, status=400)


def _selection_page(request: HttpRequest, form: BulkDecideForm, status: int = 200) -> HttpResponse:
    base = Appeal.objects.filter(status__in=WORKABLE_STATUSES, suspension__isnull=False).select_related(
        "suspension__wave", "assigned_to"
    )
    matching = AppealFilter(request.GET, queryset=base, request=request)
    # Bounded: one row past the limit says that more match, with no COUNT over a wave of any size.
    rows = list(matching.qs[: BULK_LIMIT + 1])
    query = request.GET.copy()
    query.pop("done", None)
    context = {
        "filter": matching,
        "appeals": rows[:BULK_LIMIT],
        "more_match": len(rows) > BULK_LIMIT,
        "limit": BULK_LIMIT,
        "form": form,
        "query": query.urlencode(),
    }
    return render(request, "review/bulk.html", context, status=status)


def bulk_approve(request: HttpRequest, form: BulkApproveForm) -> HttpResponse | None:
    """The approvals page's POST: approve the ticked decisions. Returns the redirect to the result, or None with
    the reason on the form, for the approvals page to draw again."""
    if not _user(request).has_perm("appeals.bulk_decide"):
        raise PermissionDenied
    if not form.is_valid():
        return None
    try:
        result = decisions_bulk_approve(
            decisions=form.cleaned_data["decisions"], by=_user(request), ip=request_ip(request)
        )
    except RuleViolation as refusal:
        form.add_error(None, refusal.message)
        return None
    return _show_result(request, result)


def _show_result(request: HttpRequest, result: BulkResult) -> HttpResponse:
    # Only the latest result is kept: it is there to be read once, right after the run; the audit trail keeps it.
    request.session[_RESULT_KEY] = result.as_dict()
    return redirect(f"{reverse('review:bulk')}?done={result.batch}")


def _stored_result(session: SessionBase, batch: str | None) -> BulkResult | None:
    stored = session.get(_RESULT_KEY)
    if not batch or not stored or stored.get("batch") != batch:
        return None
    return BulkResult.from_dict(stored)
