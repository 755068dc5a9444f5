"""The senior reviewers' misuse page (DSA Art. 23): proposals to warn or block, measures in force, and one account's
record with the forms to decide. Views parse and call the services in appeals/misuse.py."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.staff_access import staff_required
from appeals.misuse import (
    PERMISSION,
    misuse_block_impose,
    misuse_block_lift,
    misuse_proposal_dismiss,
    misuse_proposals,
    misuse_standing,
    misuse_warning_issue,
)
from appeals.models import MisuseKind, MisuseMeasure
from portal.audit.actors import request_ip
from portal.rules import RuleViolation

# The lists of measures in force stop here; the admin lists them all.
SHOWN = 100


class ReasonsForm(forms.Form):
    reasons = forms.CharField(label=gettext_lazy("Reasons (the person reads these)"), widget=forms.Textarea)


class BlockForm(ReasonsForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built here, not on the class, so the bounds are those of the settings now.
        self.fields["days"] = forms.IntegerField(
            label=_("Days"),
            min_value=settings.MISUSE_BLOCK_MIN_DAYS,
            max_value=settings.MISUSE_BLOCK_MAX_DAYS,
            initial=settings.MISUSE_BLOCK_DEFAULT_DAYS,
        )


class NoteForm(forms.Form):
    reasons = forms.CharField(label=gettext_lazy("Why (internal)"), widget=forms.Textarea)


FORMS: dict[str, Callable[..., forms.Form]] = {
    "warning_form": partial(ReasonsForm, auto_id="warn_%s"),
    "block_form": partial(BlockForm, auto_id="block_%s"),
    "dismiss_form": partial(NoteForm, auto_id="dismiss_%s"),
    "lift_form": partial(ReasonsForm, auto_id="lift_%s"),
}


@require_GET
@staff_required(PERMISSION)
def misuse(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    in_force = MisuseMeasure.objects.select_related("decided_by").order_by("-decided_at")
    context = {
        "proposals": misuse_proposals(now),
        "blocks": in_force.blocks_in_force(now)[:SHOWN],
        "warnings": in_force.standing_warnings(now)[:SHOWN],
        "policy": _policy(),
    }
    return render(request, "review/misuse.html", context)


@require_GET
@staff_required(PERMISSION)
def person(request: HttpRequest, key: str) -> HttpResponse:
    return _person_page(request, key)


def _person_page(request: HttpRequest, key: str, status: int = 200, **bound: forms.Form) -> HttpResponse:
    standing = misuse_standing(key)
    if standing is None:
        raise Http404
    page_forms = {name: bound.get(name) or build() for name, build in FORMS.items()}
    context = {"standing": standing, "policy": _policy(), "kinds": MisuseKind, **page_forms}
    return render(request, "review/misuse_person.html", context, status=status)


def _policy() -> dict[str, int]:
    return {
        "warning_after": settings.MISUSE_WARNING_AFTER,
        "block_after": settings.MISUSE_BLOCK_AFTER,
        "period_days": settings.MISUSE_PERIOD_DAYS,
    }


def _decide(
    request: HttpRequest, key: str, form_name: str, action: Callable[[dict[str, Any]], object], done: str
) -> HttpResponse:
    """Run a decision if its form is valid; otherwise, or if a rule refuses it, show the page again with what was
    typed and the reason."""
    form = FORMS[form_name](request.POST)
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except RuleViolation as refusal:
            # Beside the form, and summarised at the top: in the account's new state that form may not be shown.
            form.add_error(None, refusal.message)
            messages.error(request, refusal.message)
        else:
            messages.success(request, done)
            return redirect("review:misuse_person", key=key)
    return _person_page(request, key, status=400, **{form_name: form})


def _by(request: HttpRequest) -> dict[str, Any]:
    return {"by": request.user, "ip": request_ip(request)}


@require_POST
@staff_required(PERMISSION)
def warn(request: HttpRequest, key: str) -> HttpResponse:
    def act(data: dict[str, Any]) -> object:
        return misuse_warning_issue(handle_key=key, reasons=data["reasons"], **_by(request))

    return _decide(request, key, "warning_form", act, _("Warning issued. The person is told now."))


@require_POST
@staff_required(PERMISSION)
def block(request: HttpRequest, key: str) -> HttpResponse:
    def act(data: dict[str, Any]) -> object:
        return misuse_block_impose(handle_key=key, reasons=data["reasons"], days=data["days"], **_by(request))

    return _decide(request, key, "block_form", act, _("Block imposed. The person is told now."))


@require_POST
@staff_required(PERMISSION)
def dismiss(request: HttpRequest, key: str) -> HttpResponse:
    def act(data: dict[str, Any]) -> object:
        return misuse_proposal_dismiss(handle_key=key, reasons=data["reasons"], **_by(request))

    return _decide(request, key, "dismiss_form", act, _("Proposal dismissed."))


@require_POST
@staff_required(PERMISSION)
def lift(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    measure = get_object_or_404(MisuseMeasure, pk=pk, handle_key=key)

    def act(data: dict[str, Any]) -> object:
        return misuse_block_lift(measure=measure, reasons=data["reasons"], **_by(request))

    return _decide(request, key, "lift_form", act, _("Block lifted. The person is told now."))
