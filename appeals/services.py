"""Every change to an appeal. Each service is one transaction: lock, check the rule, change, audit, notify."""

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from appeals.events import decision_announce
from appeals.evidence import as_django_file, check_files
from appeals.misuse import misuse_block_in_force
from appeals.models import (
    OPEN_STATUSES,
    WORKABLE_STATUSES,
    Appeal,
    AppealStatus,
    Decision,
    Evidence,
    Message,
    Outcome,
    Suspension,
    handle_key,
)
from portal.audit.actors import Actor
from portal.audit.services import audit_record
from portal.notifications.models import Channel, Notification
from portal.notifications.services import notification_queue, notification_resend
from portal.privacy import mask_email
from portal.rules import RuleViolation

_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U to misread


# --- appellant actions -------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_file(
    *,
    suspension: Suspension,
    reason: str,
    statement: str,
    contact_email: str,
    language: str,
    evidence: Sequence[UploadedFile] = (),
    ip: str | None = None,
) -> Appeal:
    """The account holder, signed in through the address the platform has on file, appeals."""
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    _check_holder_may_appeal(suspension)
    _check_not_blocked(suspension)
    now = timezone.now()
    window_started = suspension.first_opened_at is None
    if window_started:
        suspension.first_opened_at = now  # filing through another door counts as opening the case
        suspension.save(update_fields=["first_opened_at", "updated_at"])
    if not suspension.appeal_window_open(now):
        raise RuleViolation(_("The time to appeal this decision has run out."), code="window_closed")
    return _create_appeal(
        suspension=suspension,
        handle=suspension.handle,
        reason=reason,
        statement=statement,
        contact_email=contact_email,
        identity_verified=True,
        language=language,
        evidence=evidence,
        ip=ip,
        audit_data={"window_started": window_started},
    )


@transaction.atomic
def appeal_file_unverified(
    *,
    handle: str,
    reason: str,
    statement: str,
    contact_email: str,
    language: str,
    evidence: Sequence[UploadedFile] = (),
    ip: str | None = None,
) -> Appeal:
    """Someone who never got our notice or lost the address on file appeals from a new, verified address.

    It behaves the same whether or not the handle has a case, so it tells nobody who is suspended: the appeal is
    tied to the handle's newest case that can still take one, and otherwise kept unmatched for staff to look at.
    Either way it is marked "identity not verified", and the deadline is left to the reviewer. An account blocked
    for misuse takes none either (its holder may not file now), which looks the same to the sender.
    """
    suspension = (
        Suspension.objects.for_handle(handle)
        .exclude(appeals__status__in=[*OPEN_STATUSES, AppealStatus.DECIDED])
        .order_by("-application_date")
        .select_for_update(of=("self",))
        .first()
    )
    if suspension is not None and misuse_block_in_force(handle_key(handle)) is not None:
        suspension = None
    appeal = _create_appeal(
        suspension=suspension,
        handle=handle.strip().lstrip("@"),
        reason=reason,
        statement=statement,
        contact_email=contact_email,
        identity_verified=False,
        language=language,
        evidence=evidence,
        ip=ip,
        audit_data={"matched": suspension is not None},
    )
    if suspension is not None and suspension.account_email:
        # The real account holder hears about it at the address on file, in case this is someone else.
        notification_queue(
            template="appeal_filed_elsewhere",
            recipient_email=suspension.account_email,
            language=settings.LANGUAGE_CODE,  # the holder's own language is unknown; not the filer's choice
            context={"handle": suspension.handle, "contact": mask_email(appeal.contact_email)},
            related=suspension,
        )
    return appeal


def _create_appeal(
    *,
    suspension: Suspension | None,
    handle: str,
    reason: str,
    statement: str,
    contact_email: str,
    identity_verified: bool,
    language: str,
    evidence: Sequence[UploadedFile],
    ip: str | None,
    audit_data: dict[str, Any],
) -> Appeal:
    statement = _required_text(statement, _("Please explain why the decision should change."))
    if len(statement) > settings.APPEAL_STATEMENT_MAX_LENGTH:
        raise RuleViolation(_("Your statement is longer than 5,000 characters."), code="statement_too_long")
    files = check_files(evidence)
    now = timezone.now()
    appeal = Appeal.objects.create(
        reference=_new_reference(),
        suspension=suspension,
        handle=handle,
        reason=reason,
        statement=statement,
        contact_email=contact_email.strip(),
        identity_verified=identity_verified,
        language=language,
        filed_at=now,
        due_at=now + timedelta(days=settings.APPEAL_SERVICE_LEVEL_DAYS),
    )
    _store_evidence(appeal, None, files)
    audit_record(
        actor=_appellant(appeal, ip),
        action="appeal.filed",
        target=appeal,
        data={"reference": appeal.reference, "identity_verified": identity_verified, "files": len(files), **audit_data},
    )
    _tell_appellant(appeal, "appeal_received")
    return appeal


@transaction.atomic
def appeal_answer(
    *, appeal: Appeal, body: str, attachments: Sequence[UploadedFile] = (), ip: str | None = None
) -> Message:
    """The appellant writes to the reviewer. An answer to a request for information restarts the clock."""
    appeal = _lock(appeal)
    _require_status(appeal, OPEN_STATUSES, _("This appeal is closed; you can no longer write to it."))
    body = body.strip()
    files = check_files(attachments, already_attached=appeal.evidence.count())
    if not body and not files:
        raise RuleViolation(_("Write a message or attach a file."), code="empty")
    message = Message.objects.create(appeal=appeal, author_kind=Message.Author.APPELLANT, body=body)
    _store_evidence(appeal, message, files)
    resumed = appeal.status == AppealStatus.INFO_REQUESTED
    if resumed:
        _resume_clock(appeal)
        appeal.status = AppealStatus.IN_REVIEW
    _save(appeal)
    audit_record(
        actor=_appellant(appeal, ip),
        action="appeal.answered",
        target=appeal,
        data={"message": message.pk, "files": len(files), "clock_resumed": resumed},
    )
    if appeal.assigned_to is not None:
        _tell_staff(appeal, appeal.assigned_to, "appellant_replied")
    return message


@transaction.atomic
def appeal_withdraw(*, appeal: Appeal, ip: str | None = None) -> Appeal:
    appeal = _lock(appeal)
    _require_status(appeal, OPEN_STATUSES, _("Only an open appeal can be withdrawn."))
    appeal.decisions.filter(state=Decision.State.PROPOSED).update(state=Decision.State.CANCELLED)
    appeal.status = AppealStatus.WITHDRAWN
    appeal.withdrawn_at = timezone.now()
    appeal.assigned_to = None
    appeal.sla_paused_at = None
    _save(appeal)
    audit_record(actor=_appellant(appeal, ip), action="appeal.withdrawn", target=appeal)
    _tell_appellant(appeal, "appeal_withdrawn")
    return appeal


# --- reviewer actions --------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_claim(*, appeal: Appeal, by: User, ip: str | None = None) -> Appeal:
    appeal = _lock(appeal)
    _check_can_work(appeal, by)
    if appeal.assigned_to_id not in (None, by.pk):
        raise RuleViolation(_("Another reviewer already holds this appeal."), code="held")
    _require_status(appeal, [AppealStatus.SUBMITTED, AppealStatus.IN_REVIEW], _("This appeal cannot be claimed now."))
    _assign(appeal, by)
    audit_record(actor=Actor.staff(by, ip), action="appeal.claimed", target=appeal)
    return appeal


@transaction.atomic
def appeal_claim_next(*, by: User, ip: str | None = None) -> Appeal | None:
    """Claim the most urgent appeal nobody holds. Rows another reviewer is claiming right now are skipped."""
    _require_perm(by, "appeals.review_appeal")
    candidates = Appeal.objects.claimable().exclude(suspension__original_decider=by).order_by("due_at", "id")
    if not by.has_perm("appeals.approve_decision"):
        candidates = candidates.filter(escalated=False)
    appeal = candidates.select_for_update(skip_locked=True, of=("self",)).first()
    if appeal is None:
        return None
    _assign(appeal, by)
    audit_record(actor=Actor.staff(by, ip), action="appeal.claimed", target=appeal, data={"next": True})
    return appeal


@transaction.atomic
def appeal_release(*, appeal: Appeal, by: User, ip: str | None = None) -> Appeal:
    appeal = _lock(appeal)
    if appeal.assigned_to_id is None:
        raise RuleViolation(_("Nobody holds this appeal."), code="not_held")
    if appeal.assigned_to_id != by.pk and not by.has_perm("appeals.approve_decision"):
        raise RuleViolation(
            _("Only the reviewer holding this appeal or a senior reviewer can release it."), code="perm"
        )
    _require_status(appeal, WORKABLE_STATUSES, _("This appeal cannot be released now."))
    previous = appeal.assigned_to_id
    appeal.assigned_to = None
    appeal.claimed_at = None
    _save(appeal)
    audit_record(actor=Actor.staff(by, ip), action="appeal.released", target=appeal, data={"from": previous})
    return appeal


@transaction.atomic
def appeal_request_info(
    *,
    appeal: Appeal,
    by: User,
    body: str,
    reply_by: datetime,
    expected_version: int | None = None,
    ip: str | None = None,
) -> Message:
    """Ask the appellant a question. The service-level clock stops until they answer."""
    appeal = _lock(appeal, expected_version)
    _check_holds(appeal, by)
    _require_status(appeal, [AppealStatus.IN_REVIEW], _("Information can only be requested while in review."))
    body = _required_text(body, _("Write the question for the appellant."))
    if reply_by <= timezone.now():
        raise RuleViolation(_("The reply-by date must be in the future."), code="reply_by")
    message = Message.objects.create(
        appeal=appeal, author_kind=Message.Author.STAFF, author=by, body=body, reply_by=reply_by
    )
    appeal.status = AppealStatus.INFO_REQUESTED
    appeal.sla_paused_at = timezone.now()
    _save(appeal)
    audit_record(
        actor=Actor.staff(by, ip),
        action="appeal.info_requested",
        target=appeal,
        data={"message": message.pk, "reply_by": reply_by},
    )
    _tell_appellant(appeal, "info_requested", {"reply_by": reply_by})
    from appeals.notices import reply_reminder_schedule  # beside the suspension notice, in appeals/notices.py

    reply_reminder_schedule(message=message)
    return message


@transaction.atomic
def appeal_message_post(*, appeal: Appeal, by: User, body: str, internal: bool, ip: str | None = None) -> Message:
    """A reviewer writes to the appellant, or leaves an internal note that the appellant never sees."""
    appeal = _lock(appeal)
    _check_can_work(appeal, by)
    body = _required_text(body, _("The message is empty."))
    if not internal:
        _require_status(appeal, OPEN_STATUSES, _("This appeal is closed; write an internal note instead."))
    message = Message.objects.create(
        appeal=appeal, author_kind=Message.Author.STAFF, author=by, body=body, internal=internal
    )
    action = "appeal.note_added" if internal else "appeal.message_sent"
    audit_record(actor=Actor.staff(by, ip), action=action, target=appeal, data={"message": message.pk})
    if not internal:
        _tell_appellant(appeal, "message_received")
    return message


@transaction.atomic
def appeal_escalate(*, appeal: Appeal, by: User, note: str, ip: str | None = None) -> Appeal:
    """Hand the appeal to the senior reviewers, with an internal note saying why."""
    appeal = _lock(appeal)
    _check_holds(appeal, by)
    _require_status(appeal, WORKABLE_STATUSES, _("This appeal cannot be escalated now."))
    note = _required_text(note, _("Say why this appeal needs a senior reviewer."))
    Message.objects.create(appeal=appeal, author_kind=Message.Author.STAFF, author=by, body=note, internal=True)
    appeal.escalated = True
    appeal.assigned_to = None
    appeal.claimed_at = None
    _save(appeal)
    audit_record(actor=Actor.staff(by, ip), action="appeal.escalated", target=appeal)
    return appeal


@transaction.atomic
def appeal_verify_identity(*, appeal: Appeal, by: User, note: str, ip: str | None = None) -> Appeal:
    appeal = _lock(appeal)
    _check_can_work(appeal, by)
    if appeal.identity_verified:
        raise RuleViolation(_("The appellant's identity is already marked as verified."), code="already_verified")
    if appeal.is_open:
        _check_holder_may_appeal(_matched(appeal))
    note = _required_text(note, _("Say how the identity was verified."))
    Message.objects.create(appeal=appeal, author_kind=Message.Author.STAFF, author=by, body=note, internal=True)
    appeal.identity_verified = True
    _save(appeal)
    audit_record(actor=Actor.staff(by, ip), action="appeal.identity_verified", target=appeal)
    return appeal


@transaction.atomic
def appeal_decide(
    *,
    appeal: Appeal,
    by: User,
    outcome: Outcome,
    reasons: str,
    new_decision_account: str = "",
    new_end_date: datetime | None = None,
    manifestly_unfounded: bool = False,
    expected_version: int | None = None,
    ip: str | None = None,
) -> Decision:
    """Decide with written reasons. A reversal in a sensitive category waits for a second senior reviewer. An upheld
    appeal may be marked manifestly unfounded, which counts towards a misuse warning or block (appeals/misuse.py)."""
    appeal = _lock(appeal, expected_version)
    _check_can_work(appeal, by)
    _require_perm(by, "appeals.decide_appeal")
    _require_status(appeal, WORKABLE_STATUSES, _("This appeal cannot be decided now."))
    if appeal.assigned_to_id not in (None, by.pk):
        raise RuleViolation(_("Another reviewer holds this appeal."), code="held")
    _check_not_original_decider(appeal, by)
    reasons = _required_text(reasons, _("Write the reasons the appellant will read."))
    suspension = _matched(appeal)
    if outcome == Outcome.MODIFIED:
        _check_modification(suspension, new_decision_account, new_end_date)
    if manifestly_unfounded:
        _check_may_mark_unfounded(appeal, outcome)
    needs_approval = outcome != Outcome.UPHELD and suspension.is_sensitive
    _resume_clock(appeal)  # deciding answers for the appellant's silence; waiting for approval is on our clock
    decision = Decision.objects.create(
        appeal=appeal,
        outcome=outcome,
        reasons=reasons,
        decided_by=by,
        state=Decision.State.PROPOSED if needs_approval else Decision.State.FINAL,
        new_decision_account=new_decision_account if outcome == Outcome.MODIFIED else "",
        new_end_date=new_end_date if outcome == Outcome.MODIFIED else None,
        manifestly_unfounded=manifestly_unfounded,
    )
    if appeal.assigned_to_id is None:
        appeal.assigned_to, appeal.claimed_at = by, timezone.now()
    if needs_approval:
        appeal.status = AppealStatus.AWAITING_APPROVAL
        _save(appeal)
        audit_record(
            actor=Actor.staff(by, ip),
            action="appeal.decision_proposed",
            target=appeal,
            data={"decision": decision.pk, "outcome": outcome},
        )
        for senior in _possible_approvers(appeal, proposer=by):
            if not _recently_told(senior, "approval_waiting"):
                _tell_staff(appeal, senior, "approval_waiting")
        return decision
    _finalise(appeal, decision)
    audit_record(
        actor=Actor.staff(by, ip),
        action="appeal.decided",
        target=appeal,
        data={"decision": decision.pk, "outcome": outcome, "manifestly_unfounded": manifestly_unfounded},
    )
    return decision


@transaction.atomic
def decision_approve(*, decision: Decision, by: User, ip: str | None = None) -> Decision:
    decision, appeal = _lock_proposal(decision, by)
    decision.state = Decision.State.FINAL
    decision.approved_by = by
    decision.reviewed_at = timezone.now()
    decision.save(update_fields=["state", "approved_by", "reviewed_at"])
    _finalise(appeal, decision)
    audit_record(
        actor=Actor.staff(by, ip),
        action="appeal.decision_approved",
        target=appeal,
        data={"decision": decision.pk, "outcome": decision.outcome},
    )
    return decision


@transaction.atomic
def decision_send_back(*, decision: Decision, by: User, comment: str, ip: str | None = None) -> Decision:
    """The second reviewer disagrees: the appeal returns to its reviewer with the comment."""
    decision, appeal = _lock_proposal(decision, by)
    comment = _required_text(comment, _("Say why the decision is sent back."))
    decision.state = Decision.State.SENT_BACK
    decision.review_comment = comment
    decision.reviewed_at = timezone.now()
    decision.save(update_fields=["state", "review_comment", "reviewed_at"])
    appeal.status = AppealStatus.IN_REVIEW
    _save(appeal)
    audit_record(
        actor=Actor.staff(by, ip), action="appeal.decision_sent_back", target=appeal, data={"decision": decision.pk}
    )
    _tell_staff(appeal, decision.decided_by, "decision_sent_back")
    return decision


# A copy of these would carry a link that has been used or has expired.
SINGLE_USE_LINKS = {"sign_in_link", "verify_contact"}


@transaction.atomic
def appeal_notification_resend(
    *, appeal: Appeal, notification: Notification, by: User, to_contact: bool, ip: str | None = None
) -> Notification:
    """Send a message about this case again: to the same address, or to the appellant's verified contact address
    ("I never received the email"). Only messages addressed to the appellant, never staff mail."""
    appeal = _lock(appeal)
    _check_can_work(appeal, by)
    if notification.recipient_user_id is not None or not _is_about_case(notification, appeal):
        raise RuleViolation(_("That message is not one sent to this appellant."), code="not_case")
    if notification.template in SINGLE_USE_LINKS:
        raise RuleViolation(_("Sign-in links work once; the appellant can ask for a new one."), code="single_use")
    to = ""
    if to_contact:
        if not appeal.identity_verified:
            raise RuleViolation(_("Verify the appellant's identity before writing to their new address."), code="perm")
        to = appeal.contact_email
    return notification_resend(notification=notification, actor=Actor.staff(by, ip), to=to)


def _is_about_case(notification: Notification, appeal: Appeal) -> bool:
    about_appeal = notification.related_type == ContentType.objects.get_for_model(Appeal)
    about_case = notification.related_type == ContentType.objects.get_for_model(Suspension)
    return (about_appeal and notification.related_id == appeal.pk) or (
        about_case and notification.related_id == appeal.suspension_id
    )


# --- rules and helpers -------------------------------------------------------------------------------------------


def _lock(appeal: Appeal, expected_version: int | None = None) -> Appeal:
    locked = Appeal.objects.select_for_update(of=("self",)).select_related("suspension").get(pk=appeal.pk)
    if expected_version is not None and locked.version != expected_version:
        raise RuleViolation(_("This appeal changed since you opened it. Reload it and try again."), code="stale")
    return locked


def _lock_proposal(decision: Decision, by: User) -> tuple[Decision, Appeal]:
    appeal = _lock(decision.appeal)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _require_perm(by, "appeals.approve_decision")
    if decision.state != Decision.State.PROPOSED:
        raise RuleViolation(_("This decision is not waiting for approval."), code="not_proposed")
    if decision.decided_by_id == by.pk:
        raise RuleViolation(_("A second reviewer must approve this decision, not its author."), code="four_eyes")
    _check_not_original_decider(appeal, by)
    return decision, appeal


def _finalise(appeal: Appeal, decision: Decision) -> None:
    now = timezone.now()
    appeal.status = AppealStatus.DECIDED
    appeal.decided_at = now
    appeal.sla_paused_at = None
    _save(appeal)
    if decision.outcome == Outcome.OVERTURNED:
        Suspension.objects.filter(appeals=appeal).update(reinstated_at=now, updated_at=now)
    _tell_appellant(appeal, "appeal_decided", {"outcome": decision.outcome})
    decision_announce(appeal=appeal, decision=decision)


def _save(appeal: Appeal) -> None:
    appeal.version += 1
    appeal.save()


def _assign(appeal: Appeal, by: User) -> None:
    appeal.assigned_to = by
    appeal.claimed_at = timezone.now()
    appeal.status = AppealStatus.IN_REVIEW
    _save(appeal)
    _check_idle_later(appeal.pk, appeal.claimed_at + timedelta(hours=settings.CLAIM_IDLE_HOURS))


def _check_idle_later(appeal_id: int, when: datetime) -> None:
    from appeals.tasks import release_if_idle  # the task module imports this one

    transaction.on_commit(lambda: release_if_idle.using(run_after=when).enqueue(appeal_id))


@transaction.atomic
def appeal_release_if_idle(*, appeal_id: int) -> datetime | None:
    """Return a claim to the queue when its holder has done nothing with it for CLAIM_IDLE_HOURS. If they have,
    look again that long after their last activity (returned, and scheduled); None once there is nothing to do."""
    appeal = Appeal.objects.select_for_update().filter(pk=appeal_id, assigned_to__isnull=False).first()
    if appeal is None or appeal.status not in (AppealStatus.SUBMITTED, AppealStatus.IN_REVIEW):
        return None
    moments = [appeal.updated_at]
    if appeal.claimed_at is not None:
        moments.append(appeal.claimed_at)
    last_note = appeal.messages.filter(author_id=appeal.assigned_to_id).order_by("-created_at").first()
    if last_note is not None:
        moments.append(last_note.created_at)
    last_activity = max(moments)
    due = last_activity + timedelta(hours=settings.CLAIM_IDLE_HOURS)
    if due > timezone.now():
        _check_idle_later(appeal.pk, due)
        return due
    previous = appeal.assigned_to_id
    appeal.assigned_to, appeal.claimed_at = None, None
    _save(appeal)
    audit_record(
        actor=Actor.system("idle claim timer"),
        action="appeal.released",
        target=appeal,
        data={"from": previous, "idle_hours": settings.CLAIM_IDLE_HOURS},
    )
    return None


def _resume_clock(appeal: Appeal) -> None:
    if appeal.sla_paused_at is not None:
        appeal.due_at += timezone.now() - appeal.sla_paused_at
        appeal.sla_paused_at = None


def _require_status(appeal: Appeal, allowed: Sequence[str], message: str) -> None:
    if appeal.status not in allowed:
        raise RuleViolation(message, code="status")


def _require_perm(user: User, perm: str) -> None:
    if not (user.is_active and user.has_perm(perm)):
        raise RuleViolation(_("Your role does not allow this."), code="perm")


def _check_holder_may_appeal(suspension: Suspension) -> None:
    holder_appeals = suspension.appeals.from_holder()
    if holder_appeals.filter(status__in=OPEN_STATUSES).exists():
        raise RuleViolation(_("There is already an open appeal against this decision."), code="already_open")
    if holder_appeals.filter(status=AppealStatus.DECIDED).exists():
        raise RuleViolation(_("This decision was already reviewed on appeal."), code="already_decided")


def _check_not_blocked(suspension: Suspension) -> None:
    block = misuse_block_in_force(suspension.handle_key)
    if block is not None:
        raise RuleViolation(
            _("You cannot file new appeals until %(date)s: %(reasons)s")
            % {"date": date_format(timezone.localtime(block.ends_at)), "reasons": block.reasons},
            code="misuse_blocked",
        )


def _check_may_mark_unfounded(appeal: Appeal, outcome: Outcome) -> None:
    if outcome != Outcome.UPHELD:
        raise RuleViolation(_("Only an appeal that is rejected can be marked manifestly unfounded."), code="unfounded")
    if not appeal.identity_verified:
        raise RuleViolation(
            _("Verify the appellant's identity first: only the account holder's own appeals count towards misuse."),
            code="unfounded",
        )


def _matched(appeal: Appeal) -> Suspension:
    if appeal.suspension is None:
        raise RuleViolation(_("This appeal is not matched to a suspension yet."), code="unmatched")
    return appeal.suspension


def _check_can_work(appeal: Appeal, by: User) -> None:
    _require_perm(by, "appeals.review_appeal")
    _matched(appeal)
    if appeal.escalated and not by.has_perm("appeals.approve_decision"):
        raise RuleViolation(_("This appeal was escalated to the senior reviewers."), code="escalated")


def _check_holds(appeal: Appeal, by: User) -> None:
    _check_can_work(appeal, by)
    if appeal.assigned_to_id != by.pk:
        raise RuleViolation(_("Claim this appeal first."), code="not_held")


def _check_not_original_decider(appeal: Appeal, by: User) -> None:
    if _matched(appeal).original_decider_id == by.pk:
        raise RuleViolation(
            _("You took the original decision on this suspension, so another reviewer must decide the appeal."),
            code="own_decision",
        )


def _check_modification(suspension: Suspension, new_account: str, new_end: datetime | None) -> None:
    if not new_account and new_end is None:
        raise RuleViolation(
            _("Say how the restriction changes: a lighter restriction or an earlier end."), code="modify"
        )
    current_end = suspension.end_date_account_restriction
    if new_end is not None and (new_end <= suspension.application_date or (current_end and new_end >= current_end)):
        raise RuleViolation(_("The new end date must fall between the start and the current end."), code="modify")


def _required_text(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RuleViolation(message, code="required")
    return text


def _store_evidence(appeal: Appeal, message: Message | None, files: Sequence[Any]) -> None:
    for checked in files:
        Evidence.objects.create(
            appeal=appeal,
            message=message,
            file=as_django_file(checked),
            original_name=checked.name,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
        )


def _new_reference() -> str:
    while True:
        code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        reference = f"RC-{code[:4]}-{code[4:]}"
        if not Appeal.objects.filter(reference=reference).exists():
            return reference


def _appellant(appeal: Appeal, ip: str | None) -> Actor:
    return Actor.appellant(
        ref=f"case:{appeal.suspension_id}" if appeal.is_matched else f"handle:{appeal.handle_key}",
        label=mask_email(appeal.contact_email),
        ip=ip,
    )


def _possible_approvers(appeal: Appeal, *, proposer: User) -> list[User]:
    """Active seniors other than the proposer and the original decider: the people the four-eyes rule allows."""
    seniors = User.objects.filter(is_active=True, groups__name=Role.SENIOR_REVIEWER).exclude(pk=proposer.pk)
    return list(seniors.exclude(pk=_matched(appeal).original_decider_id or 0))


# A wave reversed in bulk makes hundreds of proposals at once: a senior hears of them once per window, then works
# the Approvals page, rather than receiving one email per case.
STAFF_REMINDER_WINDOW = timedelta(minutes=15)


def _recently_told(user: User, template: str) -> bool:
    since = timezone.now() - STAFF_REMINDER_WINDOW
    return Notification.objects.filter(recipient_user=user, template=template, created_at__gte=since).exists()


def _tell_appellant(appeal: Appeal, template: str, extra: dict[str, Any] | None = None) -> None:
    context = {"reference": appeal.reference, "handle": appeal.handle, **(extra or {})}
    notification_queue(
        template=template,
        recipient_email=appeal.contact_email,
        language=appeal.language,
        context=context,
        related=appeal,
    )


def _tell_staff(appeal: Appeal, user: User, template: str) -> None:
    notification_queue(
        template=template,
        recipient_email=user.email,
        recipient_user=user,
        context={"reference": appeal.reference},
        related=appeal,
        channel=Channel.EMAIL,
    )
