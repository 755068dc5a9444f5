"""The public side: a suspended person finds their case, reads why, appeals, follows it, answers, withdraws."""

from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.appellant_access import (
    SESSION_KEY,
    AppellantAccess,
    contact_verification_request,
    sign_in_link_request,
    token_redeem,
)
from appeals.appellant.forms import AppealForm, FindCaseForm, LostAddressForm, ReplyForm
from appeals.appellant.timeline import appellant_timeline
from appeals.misuse import misuse_shown_to_holder
from appeals.models import (
    OPEN_STATUSES,
    Appeal,
    AppealStatus,
    Decision,
    Evidence,
    Message,
    MisuseMeasure,
    Suspension,
    handle_key,
)
from appeals.services import appeal_answer, appeal_file, appeal_file_unverified, appeal_withdraw
from portal.audit.actors import request_ip
from portal.notifications.models import Notification
from portal.notifications.rendering import render_notification
from portal.ratelimit import retry_after
from portal.rules import RuleViolation

SESSION_SECONDS = 4 * 60 * 60
FILE_ERRORS = {"too_many_files", "file_too_large", "file_type"}
View = Callable[..., HttpResponseBase]


def appellant_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        access = AppellantAccess.from_session(request.session.get(SESSION_KEY))
        if access is None:
            messages.info(request, _("Please sign in to your case first."))
            return redirect("appeal:find")
        return view(request, access, *args, **kwargs)

    return wrapper


def _appeal_of(access: AppellantAccess, reference: str) -> Appeal:
    """Only ever one of the session's own appeals: anyone else's is simply not found."""
    return get_object_or_404(access.appeals().select_related("suspension"), reference=reference)


# --- finding the case ---------------------------------------------------------------------------------------------


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "appeal/start.html",
        {"service_days": settings.APPEAL_SERVICE_LEVEL_DAYS, "window_months": 6},
    )


@require_http_methods(["GET", "POST"])
def find(request: HttpRequest) -> HttpResponse:
    return _link_request(request, FindCaseForm, sign_in_link_request, "appeal/find.html", "appeal:find_sent")


@require_http_methods(["GET", "POST"])
def lost_address(request: HttpRequest) -> HttpResponse:
    return _link_request(
        request, LostAddressForm, contact_verification_request, "appeal/lost_address.html", "appeal:lost_address_sent"
    )


def _link_request(request: HttpRequest, form_class: Any, service: Any, template: str, done: str) -> HttpResponse:
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = _rate_limited(request, form.cleaned_data["handle"])
        if wait:
            response = render(request, "appeal/too_many_requests.html", {"minutes": -(-wait // 60)}, status=429)
            response["Retry-After"] = str(wait)
            return response
        service(**form.cleaned_data, language=get_language(), ip=request_ip(request))
        return redirect(done)
    return render(request, template, {"form": form})


def _rate_limited(request: HttpRequest, handle: str) -> int:
    """Per address and per handle, so neither one attacker nor many can hammer one account's links."""
    limits = settings.APPELLANT_LINK_RATE_LIMITS
    by_ip = retry_after(scope="links-ip", key=request_ip(request) or "?", limit=limits["ip"], window=3600)
    by_handle = retry_after(scope="links-handle", key=handle_key(handle), limit=limits["handle"], window=3600)
    return max(by_ip, by_handle)


@require_GET
def find_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "appeal/find_sent.html")


@require_GET
def lost_address_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "appeal/lost_address_sent.html")


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    # Opening the link only shows a button: mail scanners that fetch links must not use up the single use.
    if request.method == "GET":
        return render(request, "appeal/sign_in.html")
    try:
        access = token_redeem(token=token, ip=request_ip(request))
    except RuleViolation as refusal:
        return render(request, "appeal/link_invalid.html", {"problem": refusal.message}, status=410)
    request.session.cycle_key()
    request.session[SESSION_KEY] = access.to_session()
    request.session.set_expiry(SESSION_SECONDS)
    return redirect("appeal:case")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    messages.info(request, _("You are signed out."))
    return redirect("appeal:start")


# --- the case and the appeal ------------------------------------------------------------------------------------


@require_GET
@appellant_required
def case(request: HttpRequest, access: AppellantAccess) -> HttpResponse:
    appeals = access.appeals().order_by("-filed_at")
    suspension = access.suspension()
    if suspension is None:
        return render(request, "appeal/case_unverified.html", {"access": access, "appeals": appeals})
    appealable = not appeals.filter(status__in=[*OPEN_STATUSES, AppealStatus.DECIDED]).exists()
    misuse = misuse_shown_to_holder(suspension.handle_key)
    return render(
        request,
        "appeal/case.html",
        {
            "suspension": suspension,
            "notices": suspension.notices.all(),
            "appeals": appeals,
            "misuse": misuse,
            "can_appeal": appealable and suspension.appeal_window_open() and not (misuse and misuse.is_block),
            "dispute_url": settings.OUT_OF_COURT_DISPUTE_URL,
        },
    )


@require_http_methods(["GET", "POST"])
@appellant_required
def file_appeal(request: HttpRequest, access: AppellantAccess) -> HttpResponse:
    suspension = access.suspension()
    misuse = misuse_shown_to_holder(suspension.handle_key) if suspension is not None else None
    if misuse is not None and misuse.is_block:
        # Only the holder, signed in through the address on file, learns of the block: the lost-address path must
        # not tell anyone naming a handle that its holder is blocked (appeal_file_unverified keeps that quiet).
        context = {"misuse": misuse, "dispute_url": settings.OUT_OF_COURT_DISPUTE_URL}
        return render(request, "appeal/blocked.html", context, status=403)
    form = AppealForm(request.POST or None, request.FILES or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        filing = {**form.cleaned_data, "contact_email": access.email, "ip": request_ip(request)}
        try:
            if suspension is not None:
                appeal = appeal_file(suspension=suspension, **filing)
            else:
                appeal = appeal_file_unverified(handle=access.handle, **filing)
        except RuleViolation as refusal:
            form.add_error("evidence" if refusal.code in FILE_ERRORS else None, refusal.message)
        else:
            return redirect("appeal:filed", reference=appeal.reference)
    return render(request, "appeal/file.html", {"form": form, "access": access, "suspension": suspension})


@require_GET
@appellant_required
def filed(request: HttpRequest, access: AppellantAccess, reference: str) -> HttpResponse:
    return render(request, "appeal/filed.html", {"appeal": _appeal_of(access, reference)})


@require_GET
@appellant_required
def status(request: HttpRequest, access: AppellantAccess, reference: str) -> HttpResponse:
    return _status_page(request, access, _appeal_of(access, reference), ReplyForm())


def _status_page(
    request: HttpRequest, access: AppellantAccess, appeal: Appeal, form: ReplyForm, code: int = 200
) -> HttpResponse:
    conversation, evidence = _conversation(appeal)
    questions = [message for message, _files in conversation if message.reply_by is not None]
    waiting_for_answer = appeal.status == AppealStatus.INFO_REQUESTED
    context = {
        "appeal": appeal,
        "shown_status": appeal.status_for_appellant,
        "timeline": appellant_timeline(appeal),
        "conversation": conversation,
        "open_request": questions[-1] if waiting_for_answer and questions else None,
        "evidence": evidence,
        "form": form,
        "show_reasons": access.through_address_on_file or appeal.identity_verified,
        "misuse": _misuse_for(access, appeal),
        "dispute_url": settings.OUT_OF_COURT_DISPUTE_URL,
        # Only whether to link to it; a decided appeal has its final decision (appeal_decide), so no query.
        "decision": appeal.status == AppealStatus.DECIDED,
    }
    return render(request, "appeal/status.html", context, status=code)


def _conversation(appeal: Appeal) -> tuple[list[tuple[Message, list[Evidence]]], list[Evidence]]:
    """The messages the appellant sees, each with its files, and the files sent with the appeal itself: all of the
    appeal's files in one query, where a prefetch for the messages' and another for the appeal's own took two."""
    files: dict[int | None, list[Evidence]] = defaultdict(list)
    for item in appeal.evidence.all():
        files[item.message_id].append(item)
    return [(message, files[message.pk]) for message in appeal.messages.filter(internal=False)], files[None]


def _misuse_for(access: AppellantAccess, appeal: Appeal) -> MisuseMeasure | None:
    """A warning or block is the holder's to read: shown on their own appeals, never to an unverified sender."""
    if appeal.suspension is None or not (access.through_address_on_file or appeal.identity_verified):
        return None
    return misuse_shown_to_holder(appeal.suspension.handle_key)


@require_POST
@appellant_required
def reply(request: HttpRequest, access: AppellantAccess, reference: str) -> HttpResponse:
    appeal = _appeal_of(access, reference)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            appeal_answer(
                appeal=appeal,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
                ip=request_ip(request),
            )
        except RuleViolation as refusal:
            form.add_error("attachments" if refusal.code in FILE_ERRORS else None, refusal.message)
        else:
            messages.success(request, _("Your message was sent."))
            return redirect("appeal:status", reference=appeal.reference)
    return _status_page(request, access, appeal, form, code=400)


@require_http_methods(["GET", "POST"])
@appellant_required
def withdraw(request: HttpRequest, access: AppellantAccess, reference: str) -> HttpResponse:
    appeal = _appeal_of(access, reference)
    if request.method == "POST":
        try:
            appeal_withdraw(appeal=appeal, ip=request_ip(request))
        except RuleViolation as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your appeal was withdrawn."))
        return redirect("appeal:status", reference=appeal.reference)
    return render(request, "appeal/withdraw.html", {"appeal": appeal})


@require_GET
@appellant_required
def decision(request: HttpRequest, access: AppellantAccess, reference: str) -> HttpResponse:
    appeal = _appeal_of(access, reference)
    final: Decision | None = appeal.final_decision()
    if final is None:
        return redirect("appeal:status", reference=appeal.reference)
    return render(
        request,
        "appeal/decision.html",
        {"appeal": appeal, "decision": final, "dispute_url": settings.OUT_OF_COURT_DISPUTE_URL},
    )


@require_GET
@appellant_required
def evidence(request: HttpRequest, access: AppellantAccess, reference: str, pk: int) -> HttpResponseBase:
    item = _appeal_of(access, reference).evidence.filter(pk=pk).first()
    if item is None:
        raise Http404
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.original_name, content_type=item.content_type
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_GET
@appellant_required
def inbox(request: HttpRequest, access: AppellantAccess) -> HttpResponse:
    """Everything we sent about this case, so a lost email never means a lost message."""
    about = Q(related_type=ContentType.objects.get_for_model(Appeal), related_id__in=access.appeals().values("pk"))
    if access.suspension_id is not None:
        about |= Q(related_type=ContentType.objects.get_for_model(Suspension), related_id=access.suspension_id)
    # Only what went to the appellant: staff are told about the same appeals, and that is not theirs to read.
    to_appellant = Notification.objects.filter(about, recipient_user__isnull=True).exclude(template="sign_in_link")
    sent = to_appellant.order_by("-created_at", "-id")[:100]
    return render(request, "appeal/inbox.html", {"items": [(n, render_notification(n)) for n in sent]})
