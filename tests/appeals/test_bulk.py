from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from appeals import bulk
from appeals.bulk import BulkResult, appeals_bulk_decide, decisions_bulk_approve
from appeals.choices import Category, DecisionAccount
from appeals.dashboard import bulk_views
from appeals.models import Appeal, AppealStatus, Decision, Outcome, Suspension, Wave
from appeals.services import appeal_claim, appeal_decide
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.rules import RuleViolation
from tests.conftest import staff_client
from tests.factories import make_appeal, make_suspension

REASONS = "The detection rule misread news reporting as support for the group. Your account is restored."
HELD = "Another reviewer holds this appeal."
CLOSED = "This appeal cannot be decided now."
OWN = "You took the original decision on this suspension, so another reviewer must decide the appeal."
FOUR_EYES = "A second reviewer must approve this decision, not its author."
BULK_URL = reverse("review:bulk")


def make_wave(key: str = "sweep") -> Wave:
    return Wave.objects.create(key=key, name=f"The {key} of 2 November")


def wave_appeals(wave: Wave, count: int, **suspension_fields: Any) -> list[Appeal]:
    return [make_appeal(make_suspension(wave=wave, **suspension_fields)) for _ in range(count)]


def reloaded(appeals: list[Appeal]) -> list[Appeal]:
    return list(Appeal.objects.filter(pk__in=[appeal.pk for appeal in appeals]))


def refs(appeals: list[Appeal]) -> list[str]:
    return [appeal.reference for appeal in appeals]


@contextmanager
def nothing_changes() -> Iterator[None]:
    """Assert a refused bulk action leaves no trace at all."""
    models = (AuditEvent, Notification, Decision)
    before = [model.objects.count() for model in models]
    versions = dict(Appeal.objects.values_list("pk", "version"))
    yield
    assert [model.objects.count() for model in models] == before
    assert dict(Appeal.objects.values_list("pk", "version")) == versions


@pytest.fixture
def wave_of_six(sam: User, rex: User, rita: User) -> dict[str, list[Appeal]]:
    """A wrongful wave: three appeals a senior may reverse, one rex holds, one already decided, one on a suspension
    sam took himself."""
    wave = make_wave()
    free = wave_appeals(wave, 3)
    held, decided = wave_appeals(wave, 2)
    appeal_claim(appeal=held, by=rex)
    appeal_decide(appeal=decided, by=rita, outcome=Outcome.UPHELD, reasons="The posts break rule 4.")
    own = make_appeal(make_suspension(wave=wave, original_decider=sam))
    return {"free": free, "held": [held], "decided": [decided], "own": [own]}


# --- the service ---------------------------------------------------------------------------------------------------


def test_bulk_reversal_decides_each_appeal_on_its_own_and_reports_every_skip(
    sam: User, wave_of_six: dict[str, list[Appeal]], django_capture_on_commit_callbacks
) -> None:
    everything = [appeal for group in wave_of_six.values() for appeal in group]
    with django_capture_on_commit_callbacks(execute=True):
        result = appeals_bulk_decide(
            appeals=everything, by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS, ip="203.0.113.9"
        )

    assert sorted(result.done) == sorted(refs(wave_of_six["free"]))
    assert result.waiting == []
    assert result.skipped == {
        HELD: refs(wave_of_six["held"]),
        CLOSED: refs(wave_of_six["decided"]),
        OWN: refs(wave_of_six["own"]),
    }
    assert result.skipped_count == 3
    for appeal in wave_of_six["free"]:
        appeal.refresh_from_db()
        decision = Decision.objects.get(appeal=appeal)
        assert (decision.state, decision.outcome, decision.decided_by, decision.reasons) == (
            Decision.State.FINAL,
            Outcome.OVERTURNED,
            sam,
            REASONS,
        )
        assert appeal.status == AppealStatus.DECIDED
        assert appeal.suspension is not None and appeal.suspension.reinstated_at is not None
        event = AuditEvent.objects.for_target(appeal).get(action="appeal.decided")
        assert event.data["decision"] == decision.pk and event.ip == "203.0.113.9"
        assert Notification.objects.filter(
            template="appeal_decided", recipient_email=appeal.contact_email, related_id=appeal.pk
        ).exists()


def test_skipped_appeals_are_left_exactly_as_they_were(
    sam: User, rex: User, wave_of_six: dict[str, list[Appeal]]
) -> None:
    skipped = [*wave_of_six["held"], *wave_of_six["decided"], *wave_of_six["own"]]
    before = {appeal.pk: (appeal.version, appeal.status, appeal.assigned_to_id) for appeal in reloaded(skipped)}

    appeals_bulk_decide(appeals=[a.pk for a in skipped], by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)

    assert {appeal.pk: (appeal.version, appeal.status, appeal.assigned_to_id) for appeal in reloaded(skipped)} == before
    assert before[wave_of_six["held"][0].pk][2] == rex.pk, "a bulk run never takes an appeal from its holder"
    assert not Decision.objects.filter(appeal__in=skipped, decided_by=sam).exists()


def test_one_summary_event_records_counts_and_references(sam: User, wave_of_six: dict[str, list[Appeal]]) -> None:
    everything = [appeal for group in wave_of_six.values() for appeal in group]
    result = appeals_bulk_decide(appeals=everything, by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)

    summary = AuditEvent.objects.get(action="appeal.bulk_decided")
    assert (summary.actor_kind, summary.actor_id, summary.target_type, summary.target_id) == (
        "staff",
        str(sam.pk),
        "appeals.bulk",
        result.batch,
    )
    assert summary.data["done"] == 3 and summary.data["waiting"] == 0 and summary.data["skipped"] == 3
    assert summary.data["skipped_codes"] == {"held": 1, "status": 1, "own_decision": 1}
    assert sorted(summary.data["done_refs"]) == sorted(refs(wave_of_six["free"]))
    assert summary.data["outcome"] == Outcome.OVERTURNED
    last = AuditEvent.objects.order_by("-seq").first()
    assert last == summary, "the summary comes after the events of every appeal it sums up"


def test_the_summary_keeps_at_most_fifty_references_per_group(sam: User, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "AUDIT_SAMPLE", 2)
    appeals = wave_appeals(make_wave(), 3)
    appeals_bulk_decide(appeals=appeals, by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)
    summary = AuditEvent.objects.get(action="appeal.bulk_decided")
    assert summary.data["done"] == 3
    assert summary.data["done_refs"] == refs(appeals)[:2]


def test_sensitive_reversals_wait_for_a_second_senior(sam: User, sue: User) -> None:
    terror_wave = make_wave("terror-sweep")
    appeals = wave_appeals(terror_wave, 2, category=Category.RISK_FOR_PUBLIC_SECURITY)
    ordinary = wave_appeals(terror_wave, 1)

    result = appeals_bulk_decide(appeals=[*appeals, *ordinary], by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)

    assert sorted(result.waiting) == sorted(refs(appeals))
    assert result.done == refs(ordinary)
    assert result.skipped == {}
    for appeal in appeals:
        appeal.refresh_from_db()
        assert appeal.status == AppealStatus.AWAITING_APPROVAL
        assert Decision.objects.get(appeal=appeal).state == Decision.State.PROPOSED
        assert AuditEvent.objects.for_target(appeal).filter(action="appeal.decision_proposed").count() == 1
        assert not AuditEvent.objects.for_target(appeal).filter(action="appeal.decided").exists()
        assert not Notification.objects.filter(template="appeal_decided", related_id=appeal.pk).exists()
        assert Suspension.objects.get(appeals=appeal).reinstated_at is None
    # The second senior hears of the whole batch once, not once per case, and works the Approvals page.
    assert Notification.objects.filter(template="approval_waiting", recipient_user=sue).count() == 1
    assert AuditEvent.objects.get(action="appeal.bulk_decided").data["waiting"] == 2


def test_a_reviewer_who_is_not_senior_is_refused_before_anything_changes(rita: User) -> None:
    appeals = wave_appeals(make_wave(), 2)
    with nothing_changes(), pytest.raises(RuleViolation) as refusal:
        appeals_bulk_decide(appeals=appeals, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)
    assert refusal.value.code == "perm"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"appeals": []}, "empty"),
        ({"reasons": "   "}, "required"),
        ({"outcome": Outcome.UPHELD}, "outcome"),
        ({"outcome": Outcome.MODIFIED}, "modify"),
        ({"appeals": [999_999]}, "not_found"),
    ],
)
def test_a_bulk_run_the_rules_refuse_as_a_whole_changes_nothing(sam: User, changes: dict, code: str) -> None:
    appeals = wave_appeals(make_wave(), 2)
    arguments = {"appeals": appeals, "by": sam, "outcome": Outcome.OVERTURNED, "reasons": REASONS, **changes}
    with nothing_changes(), pytest.raises(RuleViolation) as refusal:
        appeals_bulk_decide(**arguments)
    assert refusal.value.code == code


def test_more_than_the_limit_is_refused(sam: User, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "BULK_LIMIT", 1)
    appeals = wave_appeals(make_wave(), 2)
    with nothing_changes(), pytest.raises(RuleViolation) as refusal:
        appeals_bulk_decide(appeals=appeals, by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)
    assert refusal.value.code == "too_many"


def test_a_modification_is_checked_against_each_suspension(sam: User) -> None:
    wave = make_wave()
    now = timezone.now()
    short = make_appeal(make_suspension(wave=wave, end_date_account_restriction=now + timedelta(days=5)))
    long = make_appeal(make_suspension(wave=wave, end_date_account_restriction=now + timedelta(days=60)))

    result = appeals_bulk_decide(
        appeals=[short, long],
        by=sam,
        outcome=Outcome.MODIFIED,
        reasons=REASONS,
        new_end_date=now + timedelta(days=10),
    )

    assert result.done == [long.reference]
    assert result.skipped == {"The new end date must fall between the start and the current end.": [short.reference]}
    decision = Decision.objects.get(appeal=long)
    assert decision.outcome == Outcome.MODIFIED and decision.new_end_date == now + timedelta(days=10)


def test_the_same_appeal_chosen_twice_is_decided_once(sam: User) -> None:
    appeal = make_appeal(make_suspension())
    result = appeals_bulk_decide(appeals=[appeal.pk, appeal.pk], by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)
    assert result.done == [appeal.reference]
    assert Decision.objects.filter(appeal=appeal).count() == 1


@pytest.mark.django_db(transaction=True)
def test_each_appeal_commits_on_its_own(sam: User, rex: User) -> None:
    """Outside the test's wrapping transaction: a refusal in the middle leaves the ones before and after decided."""
    first, held, last = wave_appeals(make_wave(), 3)
    appeal_claim(appeal=held, by=rex)

    result = appeals_bulk_decide(appeals=[first, held, last], by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)

    assert result.done == [first.reference, last.reference]
    assert result.skipped == {HELD: [held.reference]}
    assert Appeal.objects.get(pk=first.pk).status == AppealStatus.DECIDED
    assert Appeal.objects.get(pk=last.pk).status == AppealStatus.DECIDED
    assert Appeal.objects.get(pk=held.pk).status == AppealStatus.IN_REVIEW


# --- bulk approval -------------------------------------------------------------------------------------------------


@pytest.fixture
def proposals(sam: User, sue: User) -> dict[str, list[Decision]]:
    """Sensitive reversals waiting for approval: two proposed by sam, one by sue."""
    appeals = wave_appeals(make_wave("terror-sweep"), 3, category=Category.RISK_FOR_PUBLIC_SECURITY)
    appeals_bulk_decide(appeals=appeals[:2], by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)
    appeals_bulk_decide(appeals=appeals[2:], by=sue, outcome=Outcome.OVERTURNED, reasons=REASONS)
    by_sam = list(Decision.objects.filter(appeal__in=appeals[:2]).order_by("pk"))
    by_sue = list(Decision.objects.filter(appeal=appeals[2]))
    return {"sam": by_sam, "sue": by_sue}


def test_a_second_senior_approves_several_and_her_own_proposals_are_skipped(
    sue: User, proposals: dict[str, list[Decision]], django_capture_on_commit_callbacks
) -> None:
    chosen = [*proposals["sam"], *proposals["sue"]]
    with django_capture_on_commit_callbacks(execute=True):
        result = decisions_bulk_approve(decisions=[d.pk for d in chosen], by=sue)

    assert result.done == [d.appeal.reference for d in proposals["sam"]]
    assert result.skipped == {FOUR_EYES: [proposals["sue"][0].appeal.reference]}
    for decision in proposals["sam"]:
        decision.refresh_from_db()
        assert (decision.state, decision.approved_by) == (Decision.State.FINAL, sue)
        appeal = Appeal.objects.select_related("suspension").get(pk=decision.appeal_id)
        assert appeal.status == AppealStatus.DECIDED
        assert appeal.suspension is not None and appeal.suspension.reinstated_at is not None
        assert AuditEvent.objects.for_target(appeal).filter(action="appeal.decision_approved").count() == 1
        assert Notification.objects.filter(template="appeal_decided", related_id=appeal.pk).count() == 1
    own = Decision.objects.get(pk=proposals["sue"][0].pk)
    assert own.state == Decision.State.PROPOSED
    assert Suspension.objects.get(appeals=own.appeal_id).reinstated_at is None
    summary = AuditEvent.objects.get(action="appeal.bulk_approved")
    assert (summary.data["done"], summary.data["skipped"]) == (2, 1)


def test_bulk_approval_is_refused_to_a_reviewer(rita: User, proposals: dict[str, list[Decision]]) -> None:
    with nothing_changes(), pytest.raises(RuleViolation) as refusal:
        decisions_bulk_approve(decisions=proposals["sam"], by=rita)
    assert refusal.value.code == "perm"


# --- the page ------------------------------------------------------------------------------------------------------


def bulk_form(chosen: list[Appeal], /, **changes: object) -> dict[str, object]:
    return {
        "appeals": [appeal.pk for appeal in chosen],
        "outcome": Outcome.OVERTURNED.value,
        "reasons": REASONS,
        "new_decision_account": "",
        "new_end_date": "",
        "confirm": "on",
        **changes,
    }


def test_a_reviewer_gets_403_and_no_link(rita: User) -> None:
    client = staff_client(rita)
    assert client.get(BULK_URL).status_code == 403
    assert client.post(BULK_URL, bulk_form(wave_appeals(make_wave(), 1))).status_code == 403
    assert BULK_URL not in client.get(reverse("review:queue")).content.decode()


def test_the_page_lists_the_open_appeals_of_the_chosen_wave_all_ticked(sam: User, rita: User) -> None:
    wave = make_wave()
    mine = wave_appeals(wave, 2)
    decided = make_appeal(make_suspension(wave=wave))
    appeal_decide(appeal=decided, by=rita, outcome=Outcome.UPHELD, reasons="The posts break rule 4.")
    elsewhere = wave_appeals(make_wave("other"), 1)
    client = staff_client(sam)

    response = client.get(BULK_URL, {"wave": wave.pk})

    page = response.content.decode()
    assert response.status_code == 200
    for appeal in mine:
        assert f'name="appeals" value="{appeal.pk}" id="pick-{appeal.pk}" checked' in page
    assert f'value="{decided.pk}"' not in page and f'value="{elsewhere[0].pk}"' not in page
    assert "I have read these cases" in page
    assert f'href="{BULK_URL}"' in client.get(reverse("review:queue")).content.decode()


def test_the_page_says_when_more_appeals_match_than_it_lists(sam: User, monkeypatch) -> None:
    monkeypatch.setattr(bulk_views, "BULK_LIMIT", 2)
    wave = make_wave()
    wave_appeals(wave, 3)
    response = staff_client(sam).get(BULK_URL, {"wave": wave.pk})
    page = response.content.decode()
    assert page.count('name="appeals"') == 2
    assert "More than 2 open appeals match" in page


def test_the_page_costs_the_same_queries_for_5_or_50_appeals(sam: User, django_assert_max_num_queries) -> None:
    small, large = make_wave("small"), make_wave("large")
    wave_appeals(small, 5)
    wave_appeals(large, 50)
    client = staff_client(sam)
    counts = []
    for wave, rows in ((small, 5), (large, 50)):
        with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as captured:
            response = client.get(BULK_URL, {"wave": wave.pk})
        assert response.content.decode().count('name="appeals"') == rows
        counts.append(len(captured))
    assert counts[0] == counts[1], [query["sql"][:80] for query in captured.captured_queries]


def test_posting_decides_and_redirects_to_the_result(sam: User, wave_of_six: dict[str, list[Appeal]]) -> None:
    client = staff_client(sam)
    everything = [appeal for group in wave_of_six.values() for appeal in group]

    response = client.post(BULK_URL, bulk_form(everything))

    assert response.status_code == 302
    batch = AuditEvent.objects.get(action="appeal.bulk_decided").target_id
    assert response["Location"] == f"{BULK_URL}?done={batch}"
    page = client.get(response["Location"]).content.decode()
    assert "Decided <strong>3</strong>" in page
    assert "Waiting for a second senior reviewer <strong>0</strong>" in page
    assert "Skipped <strong>3</strong>" in page
    for reason in (HELD, CLOSED, OWN):
        assert f'{reason} <span class="meta">(1)</span>' in page
    for appeal in everything:
        assert reverse("review:case", args=[appeal.reference]) in page
    assert Decision.objects.filter(decided_by=sam).count() == 3


def test_the_result_shows_waiting_reversals_apart(sam: User) -> None:
    appeals = wave_appeals(make_wave(), 2, category=Category.RISK_FOR_PUBLIC_SECURITY)
    client = staff_client(sam)
    response = client.post(BULK_URL, bulk_form(appeals), follow=True)
    page = response.content.decode()
    assert "Waiting for a second senior reviewer <strong>2</strong>" in page
    assert "Decided <strong>0</strong>" in page


def test_a_stale_or_foreign_result_link_shows_the_selection_page(sam: User) -> None:
    response = staff_client(sam).get(BULK_URL, {"done": "not-a-batch"})
    assert response.status_code == 200
    assert "Bulk reversal of a wrongful wave" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"appeals": []}, "Tick at least one appeal."),
        ({"reasons": "  "}, "Write the reasons the appellants will read."),
        ({"confirm": ""}, "Confirm that you have read these cases."),
        ({"outcome": Outcome.MODIFIED.value}, "Say how the restriction changes"),
        ({"outcome": Outcome.UPHELD.value}, "Select a valid choice."),
    ],
)
def test_an_incomplete_form_is_refused_changes_nothing_and_keeps_what_was_typed(
    sam: User, changes: dict, message: str
) -> None:
    wave = make_wave()
    ticked, unticked = wave_appeals(wave, 2)
    data = bulk_form([ticked], **changes)
    client = staff_client(sam)

    with nothing_changes():
        response = client.post(f"{BULK_URL}?wave={wave.pk}", data)

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    if str(data["reasons"]).strip():
        assert REASONS in page
    if data["appeals"]:
        assert f'value="{ticked.pk}" id="pick-{ticked.pk}" checked' in page
    assert f'value="{unticked.pk}" id="pick-{unticked.pk}">' in page


def test_a_modification_from_the_page(sam: User) -> None:
    appeal = make_appeal(make_suspension(decision_account=DecisionAccount.TERMINATED))
    data = bulk_form([appeal], outcome=Outcome.MODIFIED.value, new_decision_account=DecisionAccount.SUSPENDED)
    assert staff_client(sam).post(BULK_URL, data).status_code == 302
    decision = Decision.objects.get(appeal=appeal)
    assert (decision.outcome, decision.new_decision_account) == (Outcome.MODIFIED, DecisionAccount.SUSPENDED)


# --- bulk approval on the approvals page ---------------------------------------------------------------------------

APPROVALS_URL = reverse("review:approvals")


def test_the_approvals_page_lets_a_senior_tick_and_approve_several(
    sue: User, proposals: dict[str, list[Decision]]
) -> None:
    client = staff_client(sue)
    page = client.get(APPROVALS_URL).content.decode()
    for decision in [*proposals["sam"], *proposals["sue"]]:
        assert f'name="decisions" value="{decision.pk}"' in page

    chosen = [d.pk for d in [*proposals["sam"], *proposals["sue"]]]
    response = client.post(APPROVALS_URL, {"decisions": chosen}, follow=True)

    result = response.content.decode()
    assert "Approved <strong>2</strong>" in result
    assert "Skipped <strong>1</strong>" in result
    assert f'{FOUR_EYES} <span class="meta">(1)</span>' in result
    assert Decision.objects.filter(state=Decision.State.FINAL, approved_by=sue).count() == 2


def test_approving_nothing_is_refused(sue: User, proposals: dict[str, list[Decision]]) -> None:
    with nothing_changes():
        response = staff_client(sue).post(APPROVALS_URL, {})
    assert response.status_code == 400
    assert "Tick at least one decision to approve." in response.content.decode()


def test_a_reviewer_cannot_post_to_the_approvals_page(rita: User, proposals: dict[str, list[Decision]]) -> None:
    with nothing_changes():
        response = staff_client(rita).post(APPROVALS_URL, {"decisions": [proposals["sam"][0].pk]})
    assert response.status_code == 403


def test_a_result_round_trips_through_the_session() -> None:
    result = BulkResult(batch="b", action="decide", done=["RC-1"], skipped={"x": ["RC-2"]}, skipped_codes={"y": 1})
    assert BulkResult.from_dict(result.as_dict()) == result
