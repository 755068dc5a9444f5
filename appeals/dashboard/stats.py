"""Figures for the reviewers' statistics page: plain reads that return dataclasses, a fixed number of queries each.

The decision figures (times, outcomes) are the transparency report's own (appeals.transparency), over a rolling
window instead of a fixed period."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count

from appeals.models import Appeal
from appeals.transparency import DecisionTimes, Outcomes, decision_times, final_decisions, outcomes_by

WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Workload:
    open: int
    due_soon: int
    overdue: int


@dataclass(frozen=True)
class ReviewerDecisions:
    reviewer_id: int
    name: str
    decisions: int


@dataclass(frozen=True)
class ReviewStats:
    since: datetime
    workload: Workload
    times: DecisionTimes
    by_category: list[Outcomes]
    by_detection: list[Outcomes]
    by_reviewer: list[ReviewerDecisions]


def review_stats(*, now: datetime) -> ReviewStats:
    since = now - WINDOW
    return ReviewStats(
        since=since,
        workload=workload(now=now),
        times=decision_times(since=since),
        by_category=outcomes_by(field="suspension__category", since=since),
        by_detection=outcomes_by(field="suspension__automated_detection", since=since),
        by_reviewer=decisions_by_reviewer(since=since),
    )


def workload(*, now: datetime) -> Workload:
    """Counted like the queue's own counters: open, matched appeals by their service-level due date."""
    return Workload(**Appeal.objects.workload(now))


def decisions_by_reviewer(*, since: datetime) -> list[ReviewerDecisions]:
    """Final decisions by who decided them (not who approved them), most first (one query)."""
    rows = (
        final_decisions(since)
        .values("decided_by_id", "decided_by__full_name")
        .annotate(decisions=Count("pk"))
        .order_by("-decisions", "decided_by__full_name", "decided_by_id")
    )
    return [
        ReviewerDecisions(
            reviewer_id=row["decided_by_id"], name=row["decided_by__full_name"], decisions=row["decisions"]
        )
        for row in rows
    ]
