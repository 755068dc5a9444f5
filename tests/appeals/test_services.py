from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appeals.choices import Category, DecisionAccount
from appeals.models import Appeal, AppealStatus, Decision, Evidence, Message, Outcome, Suspension
from appeals.services import (
    appeal_answer,
    appeal_claim,
    appeal_claim_next,
    appeal_decide,
    appeal_escalate,
    appeal_file,
    appeal_file_unverified,
    appeal_message_post,
    appeal_release,
    appeal_release_if_idle,
    appeal_request_info,
    appeal_verify_identity,
    appeal_withdraw,
    decision_approve,
    decision_send_back,
)
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.rules import RuleViolation
from tests.factories import make_appeal, make_suspension

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@contextmanager
def audited(*actions: str) -> Iterator[None]:
    """Assert the block appends exactly these audit events, in this order."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    yield
    assert list(AuditEvent.objects.filter(seq__gt=last).values_list("action", flat=True)) == list(actions)


@contextmanager
def nothing_changes(appeal: Appeal) -> Iterator[None]:
    """Assert a refused action leaves no trace: no audit event, no message, no notification, same appeal."""
    models = (AuditEvent, Message, Notification, Decision)
    before = [model.objects.count() for model in models]
    version = Appeal.objects.get(pk=appeal.pk).version
    yield
    assert [model.objects.count() for model in models] == before
    assert Appeal.objects.get(pk=appeal.pk).version == version


def in_a_week() -> datetime:
    return timezone.now() + timedelta(days=7)


# --- filing --------------------------------------------------------------------------------------------------------


def test_filing_records_one_event_and_queues_a_confirmation(alice_suspension: Suspension) -> None:
    with audited("appeal.filed"):
        appeal = make_appeal(alice_suspension, evidence=[SimpleUploadedFile("shot.png", PNG)])
    assert appeal.status == AppealStatus.SUBMITTED
    assert appeal.reference.startswith("RC-")
    event = AuditEvent.objects.get(action="appeal.filed")
    assert (event.actor_kind, event.actor_id, event.actor_label) == (
        "appellant",
        f"case:{alice_suspension.pk}",
        "a•••@example.org",
    )
    assert Notification.objects.filter(template="appeal_received", recipient_email="alice@example.org").count() == 1
    assert Evidence.objects.get(appeal=appeal).content_type == "image/png"


def test_a_second_open_appeal_is_refused_and_saves_nothing(alice_appeal: Appeal) -> None:
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="already an open appeal"):
        make_appeal(alice_appeal.suspension)
    assert Appeal.objects.filter(suspension=alice_appeal.suspension).count() == 1


def test_the_database_itself_refuses_a_second_open_appeal_from_the_holder(alice_appeal: Appeal) -> None:
    duplicate = Appeal(
        reference="RC-TEST-0001",
        suspension=alice_appeal.suspension,
        reason=alice_appeal.reason,
        statement="again",
        contact_email="alice@example.org",
        identity_verified=True,
        filed_at=timezone.now(),
        due_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_an_appeal_after_the_window_is_refused(db) -> None:
    suspension = make_suspension("late")
    Suspension.objects.filter(pk=suspension.pk).update(informed_at=timezone.now() - timedelta(days=185))
    with audited(), pytest.raises(RuleViolation, match="run out"):
        make_appeal(Suspension.objects.get(pk=suspension.pk))
    assert not Appeal.objects.exists()


def test_the_window_is_at_least_six_months_from_the_notice(db) -> None:
    suspension = make_suspension("in_time")
    Suspension.objects.filter(pk=suspension.pk).update(informed_at=timezone.now() - timedelta(days=183))
    assert make_appeal(Suspension.objects.get(pk=suspension.pk)).status == AppealStatus.SUBMITTED


def test_never_informed_window_starts_when_the_person_first_files(db) -> None:
    suspension = make_suspension("unreached", informed=False)
    suspension.application_date = timezone.now() - timedelta(days=400)
    assert suspension.never_informed and suspension.appeal_deadline is None
    make_appeal(suspension)
    suspension.refresh_from_db()
    assert suspension.first_opened_at is not None
    assert suspension.appeal_deadline == suspension.first_opened_at + timedelta(days=184)
    assert AuditEvent.objects.get(action="appeal.filed").data["window_started"] is True


# --- "I never received an email / I lost that address" ---------------------------------------------------------------


def file_from_new_address(handle: str, email: str = "new@example.net") -> Appeal:
    return appeal_file_unverified(
        handle=handle, reason="not_me", statement="I lost that mailbox.", contact_email=email, language="en"
    )


def test_an_appeal_from_a_new_address_is_tied_to_the_case_unverified_and_the_owner_is_told(db) -> None:
    suspension = make_suspension("osint_against_hate", informed=False)
    with audited("appeal.filed"):
        appeal = file_from_new_address("@OSINT_against_hate")
    assert appeal.suspension == suspension and appeal.identity_verified is False
    assert AuditEvent.objects.get(action="appeal.filed").data["matched"] is True
    told = Notification.objects.get(template="appeal_filed_elsewhere")
    assert told.recipient_email == "osint_against_hate@example.org" and told.context["contact"] == "n•••@example.net"


def test_an_appeal_for_a_handle_without_a_case_looks_the_same_to_its_sender(db) -> None:
    make_suspension("known", informed=False)
    known, unknown = file_from_new_address("known"), file_from_new_address("nobody_suspended")
    assert (known.status, known.status_for_appellant) == (unknown.status, unknown.status_for_appellant)
    assert unknown.suspension is None and unknown.handle == "nobody_suspended"
    sent_to_sender = Notification.objects.filter(recipient_email="new@example.net")
    assert sorted(sent_to_sender.values_list("template", flat=True)) == ["appeal_received", "appeal_received"]


def test_a_new_address_appeal_on_a_case_already_under_appeal_is_kept_apart(alice_appeal: Appeal) -> None:
    stranger = file_from_new_address("alice", "stranger@example.net")
    assert stranger.suspension is None
    assert Appeal.objects.get(pk=alice_appeal.pk).status == AppealStatus.SUBMITTED


def test_a_stranger_naming_the_handle_never_blocks_the_holders_own_appeal(db) -> None:
    suspension = make_suspension("blocked_not", informed=False)
    stranger = file_from_new_address("blocked_not", "stranger@example.net")
    assert stranger.suspension == suspension
    holder = make_appeal(suspension)
    assert holder.identity_verified and holder.suspension == suspension


def test_confirming_a_strangers_identity_while_the_holder_appeals_is_refused_clearly(db, rita) -> None:
    suspension = make_suspension("two_claims", informed=False)
    stranger = file_from_new_address("two_claims", "stranger@example.net")
    make_appeal(suspension)
    with nothing_changes(stranger), pytest.raises(RuleViolation, match="already an open appeal"):
        appeal_verify_identity(appeal=stranger, by=rita, note="Video call.")


def test_unmatched_appeals_never_reach_the_queue(db, rita) -> None:
    appeal = file_from_new_address("nobody_suspended")
    assert appeal_claim_next(by=rita) is None
    with nothing_changes(appeal), pytest.raises(RuleViolation, match="not matched"):
        appeal_claim(appeal=appeal, by=rita)


def test_being_picked_up_is_not_shown_to_an_unverified_sender_until_a_reviewer_writes(db, rita) -> None:
    make_suspension("quiet", informed=False)
    appeal = file_from_new_address("quiet")
    appeal_claim(appeal=appeal, by=rita)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.status_for_appellant) == (AppealStatus.IN_REVIEW, AppealStatus.SUBMITTED)
    appeal_request_info(appeal=appeal, by=rita, body="Can you show us it is yours?", reply_by=in_a_week())
    appeal.refresh_from_db()
    assert appeal.status_for_appellant == AppealStatus.INFO_REQUESTED


def test_a_disguised_file_refuses_the_whole_appeal(alice_suspension: Suspension) -> None:
    files = [SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image")]
    with audited(), pytest.raises(RuleViolation, match="photo.png"):
        make_appeal(alice_suspension, evidence=files)
    assert (
        not Appeal.objects.exists()
        and not Evidence.objects.exists()
        and not Notification.objects.filter(template="appeal_received").exists()
    )


def test_a_decided_suspension_cannot_be_appealed_again(alice_appeal: Appeal, rita) -> None:
    appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="The posts endorsed the group.")
    with pytest.raises(RuleViolation, match="already reviewed"):
        make_appeal(alice_appeal.suspension)


def test_a_withdrawn_appeal_can_be_filed_again_within_the_window(alice_appeal: Appeal) -> None:
    appeal_withdraw(appeal=alice_appeal)
    assert make_appeal(alice_appeal.suspension).status == AppealStatus.SUBMITTED


# --- one audit event per action --------------------------------------------------------------------------------------


def test_each_reviewer_action_records_exactly_one_event(alice_appeal: Appeal, rita) -> None:
    with audited("appeal.claimed"):
        appeal_claim(appeal=alice_appeal, by=rita, ip="203.0.113.9")
    with audited("appeal.info_requested"):
        appeal_request_info(appeal=alice_appeal, by=rita, body="Link the original post?", reply_by=in_a_week())
    with audited("appeal.answered"):
        appeal_answer(appeal=alice_appeal, body="Here: https://example.org/post/1", ip="198.51.100.7")
    with audited("appeal.message_sent"):
        appeal_message_post(appeal=alice_appeal, by=rita, body="Thanks, looking at it.", internal=False)
    with audited("appeal.note_added"):
        appeal_message_post(appeal=alice_appeal, by=rita, body="Known researcher.", internal=True)
    with audited("appeal.released"):
        appeal_release(appeal=alice_appeal, by=rita)
    with audited("appeal.claimed"):
        appeal_claim(appeal=alice_appeal, by=rita)
    with audited("appeal.escalated"):
        appeal_escalate(appeal=alice_appeal, by=rita, note="Needs a senior: possible wave error.")
    claimed = next(e for e in AuditEvent.objects.filter(action="appeal.claimed") if e.actor_id == str(rita.pk))
    assert claimed.ip == "203.0.113.9"
    assert AuditEvent.objects.get(action="appeal.answered").ip == "198.51.100.7"


def test_verifying_identity_records_one_event(db, rita) -> None:
    appeal = make_appeal(make_suspension(informed=False), contact_email="new@example.net", identity_verified=False)
    with audited("appeal.identity_verified"):
        appeal_verify_identity(appeal=appeal, by=rita, note="Confirmed by a video call.")
    assert Appeal.objects.get(pk=appeal.pk).identity_verified


def test_deciding_records_one_event_and_tells_the_appellant(alice_appeal: Appeal, rita) -> None:
    with audited("appeal.decided"):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Counter-speech, not support.")
    appeal = Appeal.objects.get(pk=alice_appeal.pk)
    assert appeal.status == AppealStatus.DECIDED and appeal.decided_at is not None
    assert Suspension.objects.get(appeals=appeal).reinstated_at is not None
    assert Notification.objects.filter(template="appeal_decided", recipient_email="alice@example.org").exists()


def test_withdrawing_records_one_event(alice_appeal: Appeal) -> None:
    with audited("appeal.withdrawn"):
        appeal_withdraw(appeal=alice_appeal, ip="192.0.2.1")
    assert Appeal.objects.get(pk=alice_appeal.pk).status == AppealStatus.WITHDRAWN


# --- refused actions leave nothing behind ----------------------------------------------------------------------------


def test_a_decision_without_reasons_is_refused_and_changes_nothing(alice_appeal: Appeal, rita) -> None:
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="reasons"):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="   ")


def test_a_withdrawn_appeal_cannot_be_decided(alice_appeal: Appeal, rita) -> None:
    appeal_withdraw(appeal=alice_appeal)
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="cannot be decided"):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="Too late.")


def test_a_stale_form_is_refused(alice_appeal: Appeal, rita) -> None:
    seen = alice_appeal.version
    appeal_claim(appeal=alice_appeal, by=rita)
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="changed since"):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="Fine.", expected_version=seen)


def test_an_appeal_held_by_another_reviewer_cannot_be_decided(alice_appeal: Appeal, rita, rex) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="Another reviewer"):
        appeal_decide(appeal=alice_appeal, by=rex, outcome=Outcome.UPHELD, reasons="Fine.")


def test_nobody_decides_an_appeal_on_their_own_suspension(db, rita) -> None:
    appeal = make_appeal(make_suspension(original_decider=rita))
    with nothing_changes(appeal), pytest.raises(RuleViolation, match="original decision"):
        appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons="I stand by it.")
    assert appeal_claim_next(by=rita) is None


def test_an_administrator_without_a_reviewer_role_cannot_decide(alice_appeal: Appeal, ada) -> None:
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="role"):
        appeal_decide(appeal=alice_appeal, by=ada, outcome=Outcome.UPHELD, reasons="No.")


def test_information_can_only_be_requested_by_the_holder(alice_appeal: Appeal, rita) -> None:
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="Claim this appeal"):
        appeal_request_info(appeal=alice_appeal, by=rita, body="?", reply_by=in_a_week())


# --- four eyes on sensitive reversals --------------------------------------------------------------------------------


def sensitive_appeal() -> Appeal:
    return make_appeal(make_suspension(category=Category.RISK_FOR_PUBLIC_SECURITY))


def test_a_sensitive_overturn_waits_for_a_second_senior(db, rita, sam) -> None:
    appeal = sensitive_appeal()
    with audited("appeal.decision_proposed"):
        decision = appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.AWAITING_APPROVAL and decision.state == Decision.State.PROPOSED
    assert Suspension.objects.get(appeals=appeal).reinstated_at is None
    assert Notification.objects.filter(template="approval_waiting", recipient_user=sam).exists()
    assert not Notification.objects.filter(template="appeal_decided").exists()
    with audited("appeal.decision_approved"):
        decision_approve(decision=decision, by=sam)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DECIDED and Suspension.objects.get(appeals=appeal).reinstated_at is not None
    assert Decision.objects.get(pk=decision.pk).approved_by == sam


def test_a_senior_cannot_approve_their_own_reversal(db, sam) -> None:
    appeal = sensitive_appeal()
    decision = appeal_decide(appeal=appeal, by=sam, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    with nothing_changes(appeal), pytest.raises(RuleViolation, match="second reviewer"):
        decision_approve(decision=decision, by=sam)


def test_a_reviewer_cannot_approve(db, rita, rex) -> None:
    appeal = sensitive_appeal()
    decision = appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    with nothing_changes(appeal), pytest.raises(RuleViolation, match="role"):
        decision_approve(decision=decision, by=rex)


def test_sending_back_returns_the_appeal_to_its_reviewer(db, rita, sam) -> None:
    appeal = sensitive_appeal()
    decision = appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    with audited("appeal.decision_sent_back"):
        decision_send_back(decision=decision, by=sam, comment="The third post praises the attack.")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_REVIEW and appeal.assigned_to == rita
    assert Notification.objects.filter(template="decision_sent_back", recipient_user=rita).exists()
    assert appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons="On reflection, upheld.").state == (
        Decision.State.FINAL
    )


def test_upholding_a_sensitive_suspension_needs_no_approval(db, rita) -> None:
    decision = appeal_decide(appeal=sensitive_appeal(), by=rita, outcome=Outcome.UPHELD, reasons="Clear support.")
    assert decision.state == Decision.State.FINAL


def test_a_modification_must_say_how_the_restriction_changes(alice_appeal: Appeal, rita) -> None:
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="Say how"):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.MODIFIED, reasons="Too harsh.")
    decision = appeal_decide(
        appeal=alice_appeal,
        by=rita,
        outcome=Outcome.MODIFIED,
        reasons="Too harsh for a first offence.",
        new_end_date=timezone.now() + timedelta(days=7),
        new_decision_account=DecisionAccount.SUSPENDED,
    )
    assert decision.state == Decision.State.FINAL and decision.new_end_date is not None


def test_withdrawing_cancels_a_proposal_waiting_for_approval(db, rita) -> None:
    appeal = sensitive_appeal()
    decision = appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    appeal_withdraw(appeal=appeal)
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.CANCELLED


# --- the queue and the clock -----------------------------------------------------------------------------------------


def test_take_next_claims_the_most_urgent_unheld_appeal(db, rita, rex) -> None:
    later, sooner, held = make_appeal(), make_appeal(), make_appeal()
    Appeal.objects.filter(pk=sooner.pk).update(due_at=timezone.now() + timedelta(days=1))
    appeal_claim(appeal=held, by=rex)
    Appeal.objects.filter(pk=held.pk).update(due_at=timezone.now())
    assert appeal_claim_next(by=rita) == sooner
    assert appeal_claim_next(by=rita) == later
    assert appeal_claim_next(by=rita) is None


def test_escalated_appeals_go_to_seniors_only(alice_appeal: Appeal, rita, rex, sam) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    appeal_escalate(appeal=alice_appeal, by=rita, note="Senior please.")
    assert appeal_claim_next(by=rex) is None
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="escalated"):
        appeal_decide(appeal=alice_appeal, by=rex, outcome=Outcome.UPHELD, reasons="Upheld.")
    assert appeal_claim_next(by=sam) == alice_appeal


def test_deciding_an_unclaimed_appeal_records_who_took_it_and_when(alice_appeal: Appeal, rita) -> None:
    appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="The posts endorsed the group.")
    appeal = Appeal.objects.get(pk=alice_appeal.pk)
    assert appeal.assigned_to == rita and appeal.claimed_at is not None


def test_approval_requests_skip_the_senior_who_took_the_original_decision(db, rita, sam, sue) -> None:
    appeal = make_appeal(make_suspension(category=Category.RISK_FOR_PUBLIC_SECURITY, original_decider=sue))
    appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    assert list(Notification.objects.filter(template="approval_waiting").values_list("recipient_user", flat=True)) == [
        sam.pk
    ]


def test_asking_for_information_pauses_the_clock_until_the_answer(alice_appeal: Appeal, rita) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    appeal_request_info(appeal=alice_appeal, by=rita, body="Which post?", reply_by=in_a_week())
    due = Appeal.objects.get(pk=alice_appeal.pk).due_at
    Appeal.objects.filter(pk=alice_appeal.pk).update(sla_paused_at=timezone.now() - timedelta(days=3))
    appeal_answer(appeal=alice_appeal, body="The one from 2 November.")
    appeal = Appeal.objects.get(pk=alice_appeal.pk)
    assert appeal.status == AppealStatus.IN_REVIEW and appeal.sla_paused_at is None
    assert timedelta(days=3) <= appeal.due_at - due < timedelta(days=3, minutes=1)
    assert Notification.objects.filter(template="appellant_replied", recipient_user=rita).exists()


def test_a_closed_appeal_takes_no_more_messages_from_the_appellant(alice_appeal: Appeal) -> None:
    appeal_withdraw(appeal=alice_appeal)
    with nothing_changes(alice_appeal), pytest.raises(RuleViolation, match="closed"):
        appeal_answer(appeal=alice_appeal, body="Wait!")


def test_appeal_file_rejects_an_overlong_statement(alice_suspension: Suspension) -> None:
    with audited(), pytest.raises(RuleViolation, match="5,000"):
        appeal_file(
            suspension=alice_suspension,
            reason="other",
            statement="x" * 5001,
            contact_email="alice@example.org",
            language="en",
        )


# --- idle claims ---------------------------------------------------------------------------------------------------


def test_claiming_asks_the_worker_to_look_again_when_the_claim_would_be_idle(
    alice_appeal: Appeal, rita, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CLAIM_IDLE_HOURS = 6
    with django_capture_on_commit_callbacks(execute=True):
        appeal_claim(appeal=alice_appeal, by=rita)
    timer = DBTaskResult.objects.get(task_path="appeals.tasks.release_if_idle")
    claimed_at = Appeal.objects.get(pk=alice_appeal.pk).claimed_at
    assert timer.args_kwargs["args"] == [alice_appeal.pk]
    assert claimed_at is not None and timer.run_after == claimed_at + timedelta(hours=6)


def test_an_idle_claim_returns_to_the_queue(alice_appeal: Appeal, rita, rex, settings) -> None:
    settings.CLAIM_IDLE_HOURS = 6
    appeal_claim(appeal=alice_appeal, by=rita)
    long_ago = timezone.now() - timedelta(hours=7)
    Appeal.objects.filter(pk=alice_appeal.pk).update(claimed_at=long_ago, updated_at=long_ago)
    with audited("appeal.released"):
        assert appeal_release_if_idle(appeal_id=alice_appeal.pk) is None
    event = AuditEvent.objects.get(action="appeal.released")
    assert (event.actor_kind, event.data["from"]) == ("system", rita.pk)
    assert appeal_claim_next(by=rex) == alice_appeal


def test_a_claim_with_recent_work_is_kept_and_checked_again_later(alice_appeal: Appeal, rita, settings) -> None:
    settings.CLAIM_IDLE_HOURS = 6
    appeal_claim(appeal=alice_appeal, by=rita)
    long_ago = timezone.now() - timedelta(hours=7)
    Appeal.objects.filter(pk=alice_appeal.pk).update(claimed_at=long_ago, updated_at=long_ago)
    note = appeal_message_post(appeal=alice_appeal, by=rita, body="Checking the thread.", internal=True)
    with audited():
        again = appeal_release_if_idle(appeal_id=alice_appeal.pk)
    assert again == note.created_at + timedelta(hours=6)
    assert Appeal.objects.get(pk=alice_appeal.pk).assigned_to == rita


def test_a_senior_hears_of_many_proposals_once_per_window_not_once_per_case(db, rita, sam) -> None:
    for _ in range(3):
        appeal_decide(appeal=sensitive_appeal(), by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    assert Notification.objects.filter(template="approval_waiting", recipient_user=sam).count() == 1
    Notification.objects.filter(template="approval_waiting").update(created_at=timezone.now() - timedelta(minutes=16))
    appeal_decide(appeal=sensitive_appeal(), by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    assert Notification.objects.filter(template="approval_waiting", recipient_user=sam).count() == 2
