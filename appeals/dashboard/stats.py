"""Figures for the reviewers' statistics page: plain reads that return dataclasses, a fixed number of queries each."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from appeals.models import Appeal, AppealStatus, Decision, Outcome

WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Workload:
    open: int
    due_soon: int
    overdue: int


@dataclass(frozen=True)
class DecisionTimes:
    """Time from filing to the final decision, wall clock (time spent waiting for the appellant included)."""

    decided: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class Outcomes:
    """Final decisions in one group. `key` is the grouped value: a category, or whether detection was automated."""

    key: str | bool
    upheld: int
    overturned: int
    modified: int

    @property
    def decided(self) -> int:
        return self.upheld + self.overturned + self.modified

    @property
    def overturn_rate(self) -> float | None:
        """Overturned / decided. A modified restriction is a partial reversal and counts only in the denominator."""
        return self.overturned / self.decided if self.decided else None


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


def decision_times(*, since: datetime) -> DecisionTimes:
    # One row per decided appeal in the window: the window bounds it, and exact percentiles need every value.
    rows = (
        Appeal.objects.filter(status=AppealStatus.DECIDED, decided_at__gte=since)
        .order_by()
        .values_list("filed_at", "decided_at")
    )
    durations = [decided - filed for filed, decided in rows if decided is not None]
    return DecisionTimes(decided=len(durations), median=percentile(durations, 50), p90=percentile(durations, 90))


def percentile(values: Sequence[timedelta], p: float) -> timedelta | None:
    """The p-th percentile (0-100) by linear interpolation between closest ranks.

    This is the "inclusive" method: numpy's default, PostgreSQL's percentile_cont, Excel's PERCENTILE.INC. Sorted
    values x[0..n-1] sit at ranks 0..n-1; the percentile is at rank (n - 1) * p / 100, interpolated between the
    two values either side. So the median of an even count is the mean of the middle two. None for no values.
    """
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    below, above = math.floor(rank), math.ceil(rank)
    return ordered[below] + (ordered[above] - ordered[below]) * (rank - below)


def _final_decisions(since: datetime) -> QuerySet[Decision]:
    """The final decision of each appeal decided in the window (an appeal has at most one)."""
    return Decision.objects.filter(
        state=Decision.State.FINAL, appeal__status=AppealStatus.DECIDED, appeal__decided_at__gte=since
    )


def outcomes_by(*, field: str, since: datetime) -> list[Outcomes]:
    """Final decisions on appeals decided in the window, grouped by a field of the appeal (one query).

    `field` is a path from the appeal, e.g. "suspension__category"."""
    path = f"appeal__{field}"
    rows = (
        _final_decisions(since)
        .values(path)
        .annotate(
            upheld=Count("pk", filter=Q(outcome=Outcome.UPHELD)),
            overturned=Count("pk", filter=Q(outcome=Outcome.OVERTURNED)),
            modified=Count("pk", filter=Q(outcome=Outcome.MODIFIED)),
        )
        .order_by(path)
    )
    return [
        Outcomes(key=row[path], upheld=row["upheld"], overturned=row["overturned"], modified=row["modified"])
        for row in rows
    ]


def decisions_by_reviewer(*, since: datetime) -> list[ReviewerDecisions]:
    """Final decisions by who decided them (not who approved them), most first (one query)."""
    rows = (
        _final_decisions(since)
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
