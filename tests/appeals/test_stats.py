"""The reviewers' statistics page: exact figures from a known set of appeals, access, and a fixed query count."""

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from accounts.models import User
from appeals.choices import AutomatedDecision, Category
from appeals.dashboard.stats import ReviewerDecisions, Workload, decisions_by_reviewer, review_stats, workload
from appeals.models import Appeal, AppealReason, AppealStatus, Decision, Outcome
from appeals.services import (
    appeal_decide,
    appeal_file_unverified,
    appeal_withdraw,
    decision_approve,
)
from appeals.transparency import DecisionTimes, Outcomes, decision_times, outcomes_by, percentile
from tests.appeals.test_appellant_pages import signed_in
from tests.conftest import staff_client
from tests.factories import make_appeal, make_suspension

pytestmark = pytest.mark.django_db

SPEECH = Category.ILLEGAL_OR_HARMFUL_SPEECH
SECURITY = Category.RISK_FOR_PUBLIC_SECURITY  # sensitive: a reversal waits for a senior's approval
SCAMS = Category.SCAMS_AND_FRAUD
HUMAN: dict[str, Any] = {"automated_detection": False, "automated_decision": AutomatedDecision.NOT_AUTOMATED}
DAY = timedelta(days=1)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """The appellant sign-in below counts in the cache's rate limits."""
    cache.clear()
    yield
    cache.clear()


def decided_appeal(
    *,
    by: User,
    outcome: Outcome,
    took: timedelta,
    decided_at: datetime,
    approver: User | None = None,
    category: str = SPEECH,
    **suspension_fields: Any,
) -> Appeal:
    """An appeal decided through the real services, then moved in time: filed `took` before `decided_at`."""
    appeal = make_appeal(make_suspension(category=category, **suspension_fields))
    how: dict[str, Any] = {"new_end_date": timezone.now() + timedelta(days=30)} if outcome == Outcome.MODIFIED else {}
    decision = appeal_decide(appeal=appeal, by=by, outcome=outcome, reasons="Reasons the appellant reads.", **how)
    if approver is not None:
        decision_approve(decision=decision, by=approver)
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.FINAL
    Appeal.objects.filter(pk=appeal.pk).update(filed_at=decided_at - took, decided_at=decided_at)
    return appeal


def open_appeal(*, due_at: datetime, **suspension_fields: Any) -> Appeal:
    appeal = make_appeal(make_suspension(**suspension_fields))
    Appeal.objects.filter(pk=appeal.pk).update(due_at=due_at)
    return appeal


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def known_appeals(now: datetime, rita: User, rex: User, sam: User, sue: User) -> None:
    """Five appeals decided in the last 30 days, one decided before them, and open work in several states."""
    decided_appeal(by=rita, outcome=Outcome.UPHELD, took=hours(12), decided_at=now - DAY)
    decided_appeal(by=rita, outcome=Outcome.OVERTURNED, took=hours(36), decided_at=now - 2 * DAY)
    decided_appeal(by=rex, outcome=Outcome.MODIFIED, took=hours(60), decided_at=now - 3 * DAY, **HUMAN)
    decided_appeal(
        by=rita,
        approver=sam,
        outcome=Outcome.OVERTURNED,
        took=hours(84),
        decided_at=now - 29 * DAY,
        category=SECURITY,
        **HUMAN,
    )
    decided_appeal(by=sam, outcome=Outcome.UPHELD, took=hours(108), decided_at=now - 5 * DAY, category=SCAMS, **HUMAN)
    decided_appeal(by=rex, outcome=Outcome.OVERTURNED, took=hours(1), decided_at=now - 31 * DAY)  # too long ago

    open_appeal(due_at=now - hours(1))  # overdue
    open_appeal(due_at=now + DAY)  # due soon
    open_appeal(due_at=now + 5 * DAY)
    waiting = open_appeal(due_at=now + 10 * DAY, category=SECURITY)
    appeal_decide(appeal=waiting, by=rex, outcome=Outcome.OVERTURNED, reasons="Proposed; sue has not approved yet.")
    appeal_withdraw(appeal=make_appeal())
    appeal_file_unverified(  # matches no case, so it is not in the queue and not counted
        handle="nobody-here", reason=AppealReason.OTHER, statement="Help.", contact_email="x@example.org", language="en"
    )


# --- the figures ----------------------------------------------------------------------------------------------------


def test_percentile_interpolates_linearly_for_odd_and_even_counts() -> None:
    odd = [hours(5), hours(1), hours(3)]
    even = [hours(4), hours(1), hours(3), hours(2)]
    assert percentile(odd, 50) == hours(3)
    assert percentile(even, 50) == hours(2.5)  # the mean of the middle two
    assert percentile(odd, 90) == hours(4.6)  # rank 1.8: 3h + 0.8 * 2h
    assert percentile(even, 90) == hours(3.7)  # rank 2.7: 3h + 0.7 * 1h
    assert percentile(even, 0) == hours(1)
    assert percentile(even, 100) == hours(4)
    assert percentile([hours(7)], 90) == hours(7)
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile(odd, 101)


def test_open_work_counts_matched_open_appeals_by_due_date(known_appeals: None, now: datetime) -> None:
    assert workload(now=now) == Workload(open=4, due_soon=1, overdue=1)


def test_time_to_decision_is_the_median_and_90th_percentile_of_the_last_30_days(
    known_appeals: None, now: datetime
) -> None:
    # 12, 36, 60, 84 and 108 hours; the appeal decided 31 days ago is left out.
    assert decision_times(since=now - 30 * DAY) == DecisionTimes(
        decided=5, median=hours(60), p90=timedelta(hours=98, minutes=24)
    )


def test_time_to_decision_of_an_even_count_is_the_mean_of_the_middle_two(now: datetime, rita: User) -> None:
    for took in (10, 20, 40, 80):
        decided_appeal(by=rita, outcome=Outcome.UPHELD, took=hours(took), decided_at=now - DAY)
    assert decision_times(since=now - 30 * DAY) == DecisionTimes(decided=4, median=hours(30), p90=hours(68))


def test_time_to_decision_without_decisions_is_none(db: None, now: datetime) -> None:
    assert decision_times(since=now - 30 * DAY) == DecisionTimes(decided=0, median=None, p90=None)


def test_outcomes_by_category_count_final_decisions_of_the_last_30_days(known_appeals: None, now: datetime) -> None:
    rows = outcomes_by(field="suspension__category", since=now - 30 * DAY)
    assert rows == [
        Outcomes(key=SPEECH, upheld=1, overturned=1, modified=1),
        Outcomes(key=SECURITY, upheld=0, overturned=1, modified=0),
        Outcomes(key=SCAMS, upheld=1, overturned=0, modified=0),
    ]
    assert [(row.decided, row.overturn_rate) for row in rows] == [(3, 1 / 3), (1, 1.0), (1, 0.0)]


def test_outcomes_by_detection_split_automated_from_human(known_appeals: None, now: datetime) -> None:
    rows = outcomes_by(field="suspension__automated_detection", since=now - 30 * DAY)
    assert rows == [
        Outcomes(key=False, upheld=1, overturned=1, modified=1),
        Outcomes(key=True, upheld=1, overturned=1, modified=0),
    ]
    assert [row.overturn_rate for row in rows] == [1 / 3, 0.5]


def test_decisions_per_reviewer_credit_the_proposer_not_the_approver(
    known_appeals: None, now: datetime, rita: User, rex: User, sam: User
) -> None:
    # Rex's pending proposal and his decision of 31 days ago do not count; Sam's approval of Rita's reversal is hers.
    assert decisions_by_reviewer(since=now - 30 * DAY) == [
        ReviewerDecisions(reviewer_id=rita.pk, name="Rita", decisions=3),
        ReviewerDecisions(reviewer_id=rex.pk, name="Rex", decisions=1),
        ReviewerDecisions(reviewer_id=sam.pk, name="Sam", decisions=1),
    ]


def test_review_stats_gathers_every_figure(known_appeals: None, now: datetime) -> None:
    stats = review_stats(now=now)
    assert stats.since == now - 30 * DAY
    assert stats.workload.open == 4
    assert stats.times.median == hours(60)
    assert [row.key for row in stats.by_detection] == [False, True]
    assert [row.decisions for row in stats.by_reviewer] == [3, 1, 1]


# --- the page -------------------------------------------------------------------------------------------------------


def page_of(client: Client) -> str:
    response = cast(HttpResponse, client.get("/review/stats/"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_each_figure_in_a_table_and_a_chart(known_appeals: None, rita: User) -> None:
    html = page_of(staff_client(rita))
    assert html.count("<svg") == 5
    assert html.count('role="img"') == 5
    assert '<th scope="row">Overdue</th><td>1</td>' in html
    assert "<td>2 days 12 hours</td>" in html  # the median, 60 hours
    assert "<td>4 days 2 hours</td>" in html  # the 90th percentile, 98.4 hours
    assert '<th scope="row">Illegal or harmful speech</th><td>1</td><td>1</td>' in html
    assert "<td>3</td><td>33%</td>" in html
    assert '<th scope="row">Automated detection</th><td>1</td><td>1</td>' in html
    assert "<td>50%</td>" in html
    assert '<th scope="row">Rita</th><td>3</td>' in html
    assert "style=" not in html
    assert "<style" not in html


def test_the_page_without_data_shows_dashes_and_no_empty_charts(rita: User) -> None:
    html = page_of(staff_client(rita))
    assert "<td>—</td>" in html
    assert html.count("<svg") == 1  # open work, all zero
    assert "No decisions in the last 30 days." in html


def test_the_review_navigation_links_to_the_statistics(rita: User) -> None:
    html = cast(HttpResponse, staff_client(rita).get("/review/")).content.decode()
    assert '<a href="/review/stats/">Statistics</a>' in html


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_staff_sign_in(db: None) -> None:
    response = Client().get("/review/stats/")
    assert (response.status_code, response["Location"]) == (302, "/review/login/?next=%2Freview%2Fstats%2F")


def test_a_signed_in_appellant_is_sent_to_the_staff_sign_in(alice_appeal: Appeal) -> None:
    response = signed_in(alice_appeal.suspension).get("/review/stats/")
    assert (response.status_code, response["Location"]) == (302, "/review/login/?next=%2Freview%2Fstats%2F")


def test_staff_without_the_review_permission_are_refused(ada: User) -> None:
    assert staff_client(ada).get("/review/stats/").status_code == 403


# Session, user, TOTP device and two permission reads, then one query per figure (five).
QUERY_BOUND = 10


def test_the_page_makes_the_same_number_of_queries_for_3_and_30_decisions(
    now: datetime, rita: User, rex: User, sam: User, sue: User, django_assert_max_num_queries: Any
) -> None:
    reviewers = itertools.cycle([rita, rex, sam, sue])
    outcomes = itertools.cycle([Outcome.UPHELD, Outcome.OVERTURNED, Outcome.MODIFIED])
    categories = itertools.cycle([SPEECH, SCAMS, Category.VIOLENCE, Category.ANIMAL_WELFARE, Category.SELF_HARM])
    detection: Iterator[dict[str, Any]] = itertools.cycle([{}, HUMAN])

    def decide(count: int) -> None:
        for n in range(count):
            decided_appeal(
                by=next(reviewers),
                outcome=next(outcomes),
                took=hours(n + 1),
                decided_at=now - DAY,
                category=next(categories),
                **next(detection),
            )

    client = staff_client(rita)
    decide(3)
    with django_assert_max_num_queries(QUERY_BOUND) as few:
        page_of(client)
    decide(27)
    assert Appeal.objects.filter(status=AppealStatus.DECIDED).count() == 30
    with django_assert_max_num_queries(QUERY_BOUND) as many:
        html = page_of(client)
    assert len(few) == len(many)
    assert '<th scope="row">Sue</th>' in html
