"""The review dashboard: the queue, take-next, the case, and every action on it. Views parse and call services."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.staff_access import staff_required
from appeals.dashboard.bulk_views import BulkApproveForm, bulk_approve
from appeals.dashboard.filters import AppealFilter
from appeals.dashboard.forms import DecideForm, NoteForm, ReasonForm, RequestInfoForm, SendBackForm
from appeals.models import Appeal, Decision, Outcome, ReasonTemplate, Suspension, Wave
from appeals.services import (
    SINGLE_USE_LINKS,
    appeal_claim,
    appeal_claim_next,
    appeal_decide,
    appeal_escalate,
    appeal_message_post,
    appeal_notification_resend,
    appeal_release,
    appeal_request_info,
    appeal_verify_identity,
    decision_approve,
    decision_send_back,
)
from portal.audit.actors import request_ip
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.rules import RuleViolation

PAGE_SIZE = 50
# Nobody reads a queue 1,000 rows deep: past that, the filters narrow it.
QUEUE_PAGES = 20
# Several forms share one page: each gets its own id prefix so every label points at its own field.
FORMS: dict[str, Callable[..., Any]] = {
    "decide_form": partial(DecideForm, auto_id="decide_%s"),
    "info_form": partial(RequestInfoForm, auto_id="ask_%s"),
    "note_form": partial(NoteForm, auto_id="note_%s"),
    "escalate_form": partial(ReasonForm, auto_id="escalate_%s"),
    "verify_form": partial(ReasonForm, auto_id="verify_%s"),
    "send_back_form": partial(SendBackForm, auto_id="sendback_%s"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the queue ---------------------------------------------------------------------------------------------------


# What a queue row shows; nothing else is read (the statement alone can be 5,000 characters a row).
QUEUE_ROW_FIELDS = [
    "reference",
    "handle",
    "status",
    "due_at",
    "identity_verified",
    "escalated",
    "suspension__category",
    "suspension__informed_at",
    "suspension__automated_detection",
    "assigned_to__full_name",
]
# The counters above the queue stop counting here: a backlog of 100,000 shows as "999+" rather than being counted on
# every page load.
QUEUE_COUNT_CAP = 999


@dataclass(frozen=True)
class Tally:
    value: int
    capped: bool

    def __str__(self) -> str:
        return f"{self.value}+" if self.capped else str(self.value)

    def __bool__(self) -> bool:
        return self.value > 0


@require_GET
@staff_required()
def queue(request: HttpRequest) -> HttpResponse:
    base = Appeal.objects.filter(suspension__isnull=False).select_related("suspension", "assigned_to")
    appeals = AppealFilter(request.GET, queryset=base.only(*QUEUE_ROW_FIELDS), request=request)
    waves = _wave_choices(appeals)
    page = min(max(1, _int(request.GET.get("page"), 1)), QUEUE_PAGES)
    # Bounded pagination: one row past the page says whether there is a next one, with no COUNT of the result, and
    # no page lies deeper than QUEUE_PAGES, so none reads more than that many pages of index entries.
    rows = list(appeals.qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    return render(
        request,
        "review/queue.html",
        {
            "filter": appeals,
            "appeals": rows[:PAGE_SIZE],
            "page": page,
            "has_next": more and page < QUEUE_PAGES,
            "beyond_last_page": more and page == QUEUE_PAGES,
            "counts": _queue_counts(_user(request)),
            "query": _query_without_page(request),
            "waves": waves,
        },
    )


def _wave_choices(appeals: AppealFilter) -> list[tuple[int, str]]:
    """The waves, read once: they key the cached filter form (a new wave shows at once), and a form drawn afresh
    lists them without reading them again, so every load costs the same queries."""
    waves = list(Wave.objects.values_list("pk", "name"))
    field = appeals.form.fields["wave"]
    field.widget.choices = [("", field.empty_label), *waves]  # what the field's queryset would have listed
    return waves


def _queue_counts(user: User) -> dict[str, Tally]:
    counts = Appeal.objects.workload_up_to(
        QUEUE_COUNT_CAP, timezone.now(), mine=Q(assigned_to=user), unassigned=Q(assigned_to__isnull=True)
    )
    return {name: Tally(min(count, QUEUE_COUNT_CAP), count > QUEUE_COUNT_CAP) for name, count in counts.items()}


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


@require_POST
@staff_required()
def take_next(request: HttpRequest) -> HttpResponse:
    try:
        appeal = appeal_claim_next(by=_user(request), ip=request_ip(request))
    except RuleViolation as refusal:
        messages.error(request, refusal.message)
        return redirect("review:queue")
    if appeal is None:
        messages.info(request, _("Nothing is waiting: every open appeal is held by someone."))
        return redirect("review:queue")
    return redirect("review:case", reference=appeal.reference)


@require_http_methods(["GET", "POST"])
@staff_required("appeals.approve_decision")
def approvals(request: HttpRequest) -> HttpResponse:
    approve_form = BulkApproveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (done := bulk_approve(request, approve_form)) is not None:
        return done
    waiting = (
        Decision.objects.filter(state=Decision.State.PROPOSED)
        .select_related("appeal__suspension", "decided_by")
        .order_by("created_at")[:200]
    )
    status = 400 if approve_form.errors else 200
    return render(request, "review/approvals.html", {"waiting": waiting, "approve_form": approve_form}, status=status)


# --- the case ------------------------------------------------------------------------------------------------------


def _appeal(reference: str) -> Appeal:
    """Matched appeals only: one nobody could tie to a suspension has no case to review yet."""
    return get_object_or_404(
        Appeal.objects.select_related("suspension__wave", "suspension__original_decider", "assigned_to"),
        reference=reference,
        suspension__isnull=False,
    )


@require_GET
@staff_required()
def case(request: HttpRequest, reference: str) -> HttpResponse:
    return _case_page(request, _appeal(reference))


def _case_page(request: HttpRequest, appeal: Appeal, status: int = 200, **forms: Any) -> HttpResponse:
    suspension = appeal.suspension
    assert suspension is not None  # the queue and the case show matched appeals only
    template_id = _int(request.GET.get("template"), 0)
    chosen = ReasonTemplate.objects.filter(pk=template_id, active=True).first()
    reasons = chosen.body if chosen else ""
    forms.setdefault("decide_form", FORMS["decide_form"](initial={"version": appeal.version, "reasons": reasons}))
    forms.setdefault("info_form", FORMS["info_form"](initial={"version": appeal.version}))
    for name, build in FORMS.items():
        forms.setdefault(name, build())
    context = {
        "appeal": appeal,
        "suspension": suspension,
        "user_may_decide": appeal.can_be_decided_by(_user(request)),
        "conversation": appeal.messages.select_related("author").prefetch_related("attachments"),
        "evidence": appeal.evidence.filter(message__isnull=True),
        "notices": suspension.notices.all(),
        "decisions": appeal.decisions.select_related("decided_by", "approved_by"),
        "trail": _trail(appeal, suspension),
        "sent": _sent_about(appeal, suspension),
        "same_handle": Suspension.objects.for_handle(suspension.handle).exclude(pk=suspension.pk)[:20],
        "same_wave": _same_wave(appeal, suspension),
        "reason_templates": ReasonTemplate.objects.filter(active=True),
        **forms,
    }
    return render(request, "review/case.html", context, status=status)


def _sent_about(appeal: Appeal, suspension: Suspension) -> list[tuple[Notification, bool]]:
    """Every message sent about this appeal or its suspension, newest first, with whether it may be sent again:
    "I never received the email" is a question this list answers."""
    about = Q(related_type=ContentType.objects.get_for_model(Appeal), related_id=appeal.pk) | Q(
        related_type=ContentType.objects.get_for_model(Suspension), related_id=suspension.pk
    )
    sent = Notification.objects.filter(about).order_by("-created_at", "-id")[:50]
    return [(item, item.recipient_user_id is None and item.template not in SINGLE_USE_LINKS) for item in sent]


def _trail(appeal: Appeal, suspension: Suspension) -> list[AuditEvent]:
    about = Q(target_type="appeals.appeal", target_id=str(appeal.pk)) | Q(
        target_type="appeals.suspension", target_id=str(suspension.pk)
    )
    return list(AuditEvent.objects.filter(about).order_by("-seq")[:100])


def _same_wave(appeal: Appeal, suspension: Suspension) -> list[Appeal]:
    if suspension.wave_id is None:
        return []
    return list(
        Appeal.objects.filter(suspension__wave_id=suspension.wave_id)
        .exclude(pk=appeal.pk)
        .select_related("suspension")
        .order_by("-filed_at")[:20]
    )


@require_GET
@staff_required()
def evidence(request: HttpRequest, reference: str, pk: int) -> HttpResponseBase:
    """Images open inline (their type was read from their bytes); everything else downloads. Always sandboxed."""
    item = _appeal(reference).evidence.filter(pk=pk).first()
    if item is None:
        raise Http404
    inline = item.content_type in ("image/png", "image/jpeg")
    response = FileResponse(
        item.file.open("rb"), as_attachment=not inline, filename=item.original_name, content_type=item.content_type
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- actions -------------------------------------------------------------------------------------------------------


def _act(
    request: HttpRequest,
    appeal: Appeal,
    form_name: str,
    action: Callable[[Any], object],
    done: str | Callable[[Any], str],
) -> HttpResponse:
    """Run an action if its form is valid; otherwise, or if a rule refuses it, show the case again with what was
    typed and the reason, and change nothing."""
    form = FORMS[form_name](request.POST)
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except RuleViolation as refusal:
            # Beside the form, and summarised at the top: in the appeal's new state that form may not be shown.
            form.add_error(None, refusal.message)
            messages.error(request, refusal.message)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect("review:case", reference=appeal.reference)
    return _case_page(request, appeal, status=400, **{form_name: form})


def _attempt(request: HttpRequest, call: Callable[[], object], done: str = "") -> bool:
    """Run an action that has no form: say that it worked, or why the rules refused it."""
    try:
        call()
    except RuleViolation as refusal:
        messages.error(request, refusal.message)
        return False
    if done:
        messages.success(request, done)
    return True


def _service_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"by": _user(request), "ip": request_ip(request)}


@require_POST
@staff_required()
def claim(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _appeal(reference)
    _attempt(request, lambda: appeal_claim(appeal=appeal, **_service_kwargs(request)))
    return redirect("review:case", reference=reference)


@require_POST
@staff_required()
def release(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _appeal(reference)
    released = _attempt(
        request,
        lambda: appeal_release(appeal=appeal, **_service_kwargs(request)),
        _("Released: it is back in the queue."),
    )
    return redirect("review:queue") if released else redirect("review:case", reference=reference)


@require_POST
@staff_required()
def request_info(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _appeal(reference)

    def act(data: dict[str, Any]) -> object:
        reply_by = timezone.make_aware(datetime.combine(data["reply_by"], time(23, 59)))
        return appeal_request_info(
            appeal=appeal,
            body=data["body"],
            reply_by=reply_by,
            expected_version=data["version"],
            **_service_kwargs(request),
        )

    return _act(
        request,
        appeal,
        "info_form",
        act,
        _("Sent. The clock is paused until the appellant answers."),
    )


@require_POST
@staff_required()
def message(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _appeal(reference)

    def act(data: dict[str, Any]) -> object:
        return appeal_message_post(
            appeal=appeal, body=data["body"], internal=data["internal"], **_service_kwargs(request)
        )

    return _act(request, appeal, "note_form", act, _("Saved."))


@require_POST
@staff_required()
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _appeal(reference)

    def act(data: dict[str, Any]) -> object:
        end = data["new_end_date"]
        return appeal_decide(
            appeal=appeal,
            outcome=Outcome(data["outcome"]),
            reasons=data["reasons"],
            new_decision_account=data["new_decision_account"],
            new_end_date=timezone.make_aware(datetime.combine(end, time(0, 0))) if end else None,
            manifestly_unfounded=data["manifestly_unfounded"],
            expected_version=data["version"],
            **_service_kwargs(request),
        )

    def done(decision: Decision) -> str:
        if decision.state == Decision.State.PROPOSED:
            return _("Proposed. This reversal is in a sensitive category: it waits for a second senior reviewer.")
        return _("Decision recorded. The appellant is told now.")

    return _act(request, appeal, "decide_form", act, done)


@require_POST
@staff_required()
def escalate(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _appeal(reference)

    def act(data: dict[str, Any]) -> object:
        return appeal_escalate(appeal=appeal, note=data["note"], **_service_kwargs(request))

    return _act(
        request,
        appeal,
        "escalate_form",
        act,
        _("Escalated to the senior reviewers."),
    )


@require_POST
@staff_required()
def verify_identity(request: HttpRequest, reference: str) -> HttpResponse:
    appeal = _appeal(reference)

    def act(data: dict[str, Any]) -> object:
        return appeal_verify_identity(appeal=appeal, note=data["note"], **_service_kwargs(request))

    return _act(request, appeal, "verify_form", act, _("Identity marked as verified."))


@require_POST
@staff_required()
def resend(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    appeal = _appeal(reference)
    notification = get_object_or_404(Notification, pk=pk)
    to_contact = request.POST.get("to") == "contact"
    _attempt(
        request,
        lambda: appeal_notification_resend(
            appeal=appeal, notification=notification, to_contact=to_contact, **_service_kwargs(request)
        ),
        _("Sent again."),
    )
    return redirect("review:case", reference=reference)


@require_POST
@staff_required("appeals.approve_decision")
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    _attempt(
        request,
        lambda: decision_approve(decision=decision, **_service_kwargs(request)),
        _("Approved. The appellant is told now."),
    )
    return redirect("review:case", reference=decision.appeal.reference)


@require_POST
@staff_required("appeals.approve_decision")
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision.objects.select_related("appeal"), pk=pk)
    appeal = _appeal(decision.appeal.reference)

    def act(data: dict[str, Any]) -> object:
        return decision_send_back(decision=decision, comment=data["comment"], **_service_kwargs(request))

    return _act(request, appeal, "send_back_form", act, _("Sent back to the reviewer."))
