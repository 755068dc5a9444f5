"""Misuse (DSA Art. 23): manifestly unfounded appeals lead to a proposal, a senior's warning, then a time-limited
block on new appeals; only the account holder's own appeals count, and a block never touches appeals already filed."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from appeals.misuse import (
    misuse_block_impose,
    misuse_block_lift,
    misuse_proposal_dismiss,
    misuse_proposals,
    misuse_standing,
    misuse_warning_issue,
)
from appeals.models import Appeal, AppealStatus, Decision, MisuseKind, MisuseMeasure, Outcome, Suspension
from appeals.services import appeal_claim, appeal_decide, appeal_file, appeal_file_unverified
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.notifications.tasks import deliver_notification
from portal.rules import RuleViolation
from tests.factories import make_appeal, make_suspension

HANDLE = "mallory"
WARNING = "Your last three appeals repeated the same text and did not address the decisions."
BLOCK = "After our warning you filed two more appeals of the same kind."


def unfounded(count: int, by: User, handle: str = HANDLE, **appeal: Any) -> list[Appeal]:
    """`count` appeals by the holder of `handle`, each on its own suspension, rejected as manifestly unfounded."""
    appeals = []
    for _ in range(count):
        filed = make_appeal(make_suspension(handle), **appeal)
        appeal_decide(
            appeal=filed, by=by, outcome=Outcome.UPHELD, reasons="Nothing new was said.", manifestly_unfounded=True
        )
        appeals.append(filed)
    return appeals


def warned(sam: User, rita: User, **more: Any) -> MisuseMeasure:
    unfounded(3, rita, **more)
    return misuse_warning_issue(handle_key=HANDLE, by=sam, reasons=WARNING)


def blocked(sam: User, rita: User, days: int = 30) -> MisuseMeasure:
    warned(sam, rita)
    unfounded(1, rita)
    return misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=days)


def actions() -> list[str]:
    return list(AuditEvent.objects.filter(action__startswith="misuse.").values_list("action", flat=True))


# --- marking an appeal manifestly unfounded ---------------------------------------------------------------------


def test_a_rejected_appeal_can_be_marked_manifestly_unfounded_and_the_trail_says_so(alice_appeal, rita) -> None:
    decision = appeal_decide(
        appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="No.", manifestly_unfounded=True
    )
    assert Decision.objects.get(pk=decision.pk).manifestly_unfounded is True
    assert AuditEvent.objects.get(action="appeal.decided").data["manifestly_unfounded"] is True


@pytest.mark.parametrize("outcome", [Outcome.OVERTURNED, Outcome.MODIFIED])
def test_only_a_rejected_appeal_can_be_marked_manifestly_unfounded(alice_appeal, rita, outcome) -> None:
    with pytest.raises(RuleViolation) as refusal:
        appeal_decide(
            appeal=alice_appeal,
            by=rita,
            outcome=outcome,
            reasons="Restored.",
            new_decision_account="STATEMENT_DECISION_ACCOUNT_SUSPENSION_PARTIAL",
            manifestly_unfounded=True,
        )
    assert refusal.value.code == "unfounded"
    assert not Decision.objects.exists()


def test_an_appeal_from_an_unverified_address_cannot_be_marked_unfounded(alice_suspension, rita) -> None:
    """A stranger could write in anyone's name: only the holder's own appeals may count against the holder."""
    appeal = make_appeal(alice_suspension, identity_verified=False, contact_email="someone@example.net")
    with pytest.raises(RuleViolation, match="Verify the appellant's identity first"):
        appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons="No.", manifestly_unfounded=True)


def test_the_database_refuses_an_unfounded_reversal(alice_appeal, rita) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            appeal=alice_appeal, outcome=Outcome.OVERTURNED, state="final", reasons="x", decided_by=rita,
            manifestly_unfounded=True,
        )  # fmt: skip


# --- proposals ----------------------------------------------------------------------------------------------------


def test_three_unfounded_appeals_within_the_period_make_a_warning_proposal(rita, settings) -> None:
    settings.MISUSE_WARNING_AFTER = 3
    unfounded(2, rita)
    assert misuse_proposals(timezone.now()) == []
    unfounded(1, rita)
    [proposal] = misuse_proposals(timezone.now())
    assert (proposal.handle_key, proposal.unfounded, proposal.warned) == (HANDLE, 3, False)


def test_unfounded_appeals_older_than_the_period_do_not_count(rita, settings) -> None:
    unfounded(3, rita)
    settings.MISUSE_PERIOD_DAYS = 30
    assert len(misuse_proposals(timezone.now())) == 1
    assert misuse_proposals(timezone.now() + timedelta(days=31)) == []


def test_other_accounts_and_ordinary_rejections_do_not_count(rita) -> None:
    unfounded(2, rita)
    unfounded(1, rita, handle="someone_else")
    plain = make_appeal(make_suspension(HANDLE))
    appeal_decide(appeal=plain, by=rita, outcome=Outcome.UPHELD, reasons="The rules were broken.")
    assert misuse_proposals(timezone.now()) == []


def test_after_a_warning_one_more_unfounded_appeal_makes_a_block_proposal(sam, rita) -> None:
    warned(sam, rita)
    assert misuse_proposals(timezone.now()) == []
    unfounded(1, rita)
    [proposal] = misuse_proposals(timezone.now())
    assert (proposal.unfounded, proposal.warned) == (1, True)


def test_a_dismissed_proposal_goes_away_until_new_unfounded_appeals_reach_the_threshold(sam, rita) -> None:
    unfounded(3, rita)
    misuse_proposal_dismiss(handle_key=HANDLE, by=sam, reasons="A new user who misunderstood the form.")
    assert misuse_proposals(timezone.now()) == []
    unfounded(3, rita)
    assert [p.unfounded for p in misuse_proposals(timezone.now())] == [3]
    assert actions() == ["misuse.proposal_dismissed"]


def test_a_blocked_account_is_not_proposed_again_while_blocked(sam, rita) -> None:
    warned(sam, rita)
    pending = make_appeal(make_suspension(HANDLE))
    unfounded(1, rita)
    misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=30)
    appeal_decide(appeal=pending, by=rita, outcome=Outcome.UPHELD, reasons="Again.", manifestly_unfounded=True)
    assert misuse_proposals(timezone.now()) == []


# --- warnings -----------------------------------------------------------------------------------------------------


def test_a_senior_warns_with_reasons_audited_and_the_person_is_told_after_commit(
    sam, rita, django_capture_on_commit_callbacks
) -> None:
    unfounded(3, rita)
    with django_capture_on_commit_callbacks(execute=True):
        warning = misuse_warning_issue(handle_key=HANDLE, by=sam, reasons=f"  {WARNING}  ")
    assert (warning.kind, warning.reasons, warning.unfounded_appeals, warning.decided_by) == (
        MisuseKind.WARNING, WARNING, 3, sam,
    )  # fmt: skip
    event = AuditEvent.objects.get(action="misuse.warning_issued")
    assert (event.target_type, event.target_id, event.data["unfounded"]) == (
        "appeals.misusemeasure", str(warning.pk), 3,
    )  # fmt: skip
    told = Notification.objects.get(template="misuse_warning")
    assert (told.recipient_email, told.context["reasons"]) == ("mallory@example.org", WARNING)
    assert DBTaskResult.objects.filter(task_path=deliver_notification.module_path, args_kwargs__args=[told.pk]).exists()


def test_the_notification_waits_for_the_commit(sam, rita, django_capture_on_commit_callbacks) -> None:
    unfounded(3, rita)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        misuse_warning_issue(handle_key=HANDLE, by=sam, reasons=WARNING)
    assert not DBTaskResult.objects.filter(task_path=deliver_notification.module_path).exists()
    assert callbacks  # the sender is asked only once the warning is committed


def test_a_reviewer_cannot_warn(rita, rex) -> None:
    unfounded(3, rita)
    with pytest.raises(RuleViolation) as refusal:
        misuse_warning_issue(handle_key=HANDLE, by=rex, reasons=WARNING)
    assert refusal.value.code == "perm"
    assert not MisuseMeasure.objects.exists() and actions() == []


def test_a_warning_needs_reasons(sam, rita) -> None:
    unfounded(3, rita)
    with pytest.raises(RuleViolation, match="Write the reasons"):
        misuse_warning_issue(handle_key=HANDLE, by=sam, reasons="   ")
    assert not MisuseMeasure.objects.exists()


def test_a_warning_needs_enough_unfounded_appeals(sam, rita) -> None:
    unfounded(2, rita)
    with pytest.raises(RuleViolation) as refusal:
        misuse_warning_issue(handle_key=HANDLE, by=sam, reasons=WARNING)
    assert refusal.value.code == "too_few"


def test_a_person_is_not_warned_twice_while_the_warning_stands(sam, rita) -> None:
    warned(sam, rita)
    unfounded(3, rita)
    with pytest.raises(RuleViolation) as refusal:
        misuse_warning_issue(handle_key=HANDLE, by=sam, reasons=WARNING)
    assert refusal.value.code == "already_warned"


# --- blocks -------------------------------------------------------------------------------------------------------


def test_no_block_without_a_prior_warning(sam, rita) -> None:
    unfounded(5, rita)
    with pytest.raises(RuleViolation) as refusal:
        misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=30)
    assert refusal.value.code == "no_warning"
    assert not MisuseMeasure.objects.exists()


def test_a_warning_older_than_the_period_no_longer_allows_a_block(sam, rita, settings) -> None:
    warning = warned(sam, rita)
    MisuseMeasure.objects.filter(pk=warning.pk).update(decided_at=timezone.now() - timedelta(days=400))
    unfounded(1, rita)
    with pytest.raises(RuleViolation) as refusal:
        misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=30)
    assert refusal.value.code == "no_warning"


def test_a_block_needs_further_unfounded_appeals_after_the_warning(sam, rita) -> None:
    warned(sam, rita)
    with pytest.raises(RuleViolation) as refusal:
        misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=30)
    assert refusal.value.code == "too_few"


@pytest.mark.parametrize("days", [29, 181, 0, -5])
def test_a_block_lasts_within_the_bounds(sam, rita, days) -> None:
    warned(sam, rita)
    unfounded(1, rita)
    with pytest.raises(RuleViolation) as refusal:
        misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=days)
    assert refusal.value.code == "days"
    assert not MisuseMeasure.objects.filter(kind=MisuseKind.BLOCK).exists()


def test_a_reviewer_cannot_block(sam, rita, rex) -> None:
    warned(sam, rita)
    unfounded(1, rita)
    with pytest.raises(RuleViolation) as refusal:
        misuse_block_impose(handle_key=HANDLE, by=rex, reasons=BLOCK, days=30)
    assert refusal.value.code == "perm"


def test_a_senior_blocks_for_the_days_chosen_audited_and_told(sam, rita, django_capture_on_commit_callbacks) -> None:
    warned(sam, rita)
    unfounded(1, rita)
    with django_capture_on_commit_callbacks(execute=True):
        block = misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=90)
    assert block.ends_at is not None
    assert block.ends_at - block.decided_at == timedelta(days=90)
    event = AuditEvent.objects.get(action="misuse.block_imposed")
    assert (event.data["days"], event.target_id) == (90, str(block.pk))
    told = Notification.objects.get(template="misuse_block")
    assert told.context["reasons"] == BLOCK
    assert DBTaskResult.objects.filter(task_path=deliver_notification.module_path, args_kwargs__args=[told.pk]).exists()
    assert actions() == ["misuse.warning_issued", "misuse.block_imposed"]


def test_a_blocked_holder_cannot_file_through_any_contact_address(sam, rita) -> None:
    blocked(sam, rita)
    fresh = make_suspension(HANDLE)
    with pytest.raises(RuleViolation) as refusal:
        appeal_file(
            suspension=fresh, reason="other", statement="Again.", contact_email="new@example.net", language="en"
        )
    assert refusal.value.code == "misuse_blocked"
    assert BLOCK in refusal.value.message
    assert not fresh.appeals.exists()


def test_an_appeal_from_a_new_address_is_kept_away_from_a_blocked_account(sam, rita) -> None:
    """The lost-address path cannot dodge the block, and answers the sender as for any unmatched appeal."""
    blocked(sam, rita)
    make_suspension(HANDLE)
    appeal = appeal_file_unverified(
        handle=f"@{HANDLE.upper()}", reason="other", statement="Again.", contact_email="new@example.net", language="en"
    )
    assert appeal.suspension is None
    assert Notification.objects.filter(template="appeal_received", recipient_email="new@example.net").exists()


def test_a_block_does_not_touch_other_accounts(sam, rita) -> None:
    blocked(sam, rita)
    other = make_appeal(make_suspension("mallory2"))
    assert other.status == AppealStatus.SUBMITTED


def test_appeals_filed_before_the_block_are_still_handled(sam, rita) -> None:
    warned(sam, rita)
    pending = make_appeal(make_suspension(HANDLE))
    unfounded(1, rita)
    misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=30)
    appeal_claim(appeal=pending, by=rita)
    decision = appeal_decide(appeal=pending, by=rita, outcome=Outcome.OVERTURNED, reasons="This one was right.")
    assert decision.state == Decision.State.FINAL
    assert Appeal.objects.get(pk=pending.pk).status == AppealStatus.DECIDED


def test_after_the_end_date_the_holder_can_file_again(sam, rita) -> None:
    block = blocked(sam, rita)
    now = timezone.now()  # as if the 30 days had passed
    MisuseMeasure.objects.filter(pk=block.pk).update(decided_at=now - timedelta(days=30), ends_at=now)
    appeal = make_appeal(make_suspension(HANDLE))
    assert appeal.status == AppealStatus.SUBMITTED


def test_a_senior_lifts_a_block_early_with_reasons(sam, sue, rita, django_capture_on_commit_callbacks) -> None:
    block = blocked(sam, rita)
    with django_capture_on_commit_callbacks(execute=True):
        misuse_block_lift(measure=block, by=sue, reasons="The appeals were about different posts.")
    block.refresh_from_db()
    assert (block.lifted_by, block.lift_reasons) == (sue, "The appeals were about different posts.")
    assert Notification.objects.filter(template="misuse_block_lifted").exists()
    assert make_appeal(make_suspension(HANDLE)).status == AppealStatus.SUBMITTED
    with pytest.raises(RuleViolation) as refusal:
        misuse_block_lift(measure=block, by=sue, reasons="Again.")
    assert refusal.value.code == "not_in_force"


def test_the_database_refuses_a_block_without_an_end(sam, rita) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MisuseMeasure.objects.create(
            handle=HANDLE, kind=MisuseKind.BLOCK, reasons="x", unfounded_appeals=1, decided_appeals=1,
            decided_by=sam, decided_at=timezone.now(),
        )  # fmt: skip


# --- reads for others ---------------------------------------------------------------------------------------------


def test_counts_between_gives_the_warnings_and_blocks_of_a_period(sam, rita) -> None:
    blocked(sam, rita)
    unfounded(3, rita, handle="trent")
    misuse_proposal_dismiss(handle_key="trent", by=sam, reasons="Not misuse.")
    now = timezone.now()
    assert MisuseMeasure.objects.counts_between(now - timedelta(days=1), now + timedelta(seconds=1)) == {
        "warnings": 1,
        "blocks": 1,
    }
    assert MisuseMeasure.objects.counts_between(now - timedelta(days=9), now - timedelta(days=1)) == {
        "warnings": 0,
        "blocks": 0,
    }


def test_the_standing_weighs_the_share_of_unfounded_appeals(sam, rita) -> None:
    unfounded(3, rita)
    plain = make_appeal(make_suspension(HANDLE))
    appeal_decide(appeal=plain, by=rita, outcome=Outcome.OVERTURNED, reasons="Restored.")
    standing = misuse_standing(HANDLE)
    assert standing is not None
    assert (len(standing.unfounded), standing.decided, standing.step) == (3, 4, MisuseKind.WARNING)
    assert Suspension.objects.filter(handle_key=HANDLE).count() == 4
