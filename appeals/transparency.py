"""The transparency report (DSA Art. 15, 20 and 24) for a period of days [since, until), in the site's time zone.

Aggregate reads only: each part is one GROUP BY or conditional-aggregation query, so the report costs the same
number of queries (TRANSPARENCY_QUERIES) whatever the number of suspensions and appeals. The staff statistics page
reads its decision figures from here too.

Which rows a period holds: suspensions by the day the restriction took effect (`application_date`, the same set
`manage.py sor_export` writes), notices by when they were sent, appeals by when they were filed, withdrawn or
decided, decisions by when their appeal was decided, requests for information by when they were sent.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from appeals.choices import AutomatedDecision, Category, DecisionGround, SourceType
from appeals.models import (
    Appeal,
    AppealStatus,
    Decision,
    Message,
    MisuseMeasure,
    Notice,
    NoticeStatus,
    Outcome,
    Suspension,
)

# Queries one report makes, whatever the data: suspensions, notices, appeals, requests for information, decision
# times, outcomes by category, outcomes by detection, measures against misuse.
TRANSPARENCY_QUERIES = 8
DETECTION_KEYS = {True: "automated", False: "human"}


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

    @property
    def reversal_rate(self) -> float | None:
        """Overturned or modified / decided: every decision that lifted or reduced the restriction."""
        return (self.overturned + self.modified) / self.decided if self.decided else None


@dataclass(frozen=True)
class Tally:
    key: str
    count: int


@dataclass(frozen=True)
class SuspensionFigures:
    """Restrictions that took effect in the period, each broken down five ways (every choice listed, zeros too)."""

    total: int
    never_informed: int  # no notice has reached the person (yet)
    by_ground: list[Tally]
    by_category: list[Tally]
    by_source: list[Tally]
    by_detection: list[Tally]  # keys "automated" and "human"
    by_automated_decision: list[Tally]


@dataclass(frozen=True)
class NoticeFigures:
    """Notices sent in the period by their latest status; `sent` is all of them, `pending` those with no report."""

    sent: int
    delivered: int
    bounced: int
    failed: int
    pending: int


@dataclass(frozen=True)
class AppealFigures:
    received: int
    withdrawn: int
    decided: int


@dataclass(frozen=True)
class InformationRequests:
    """Requests sent in the period, and how long appeals decided in it took with and without one."""

    sent: int
    with_request: DecisionTimes
    without_request: DecisionTimes


@dataclass(frozen=True)
class MisuseFigures:
    """Measures against people who keep filing manifestly unfounded appeals (DSA Art. 23(2), 24(1)(b)), taken in
    the period."""

    warnings: int
    blocks: int


@dataclass(frozen=True)
class TransparencyReport:
    since: date
    until: date  # the day after the period
    suspensions: SuspensionFigures
    notices: NoticeFigures
    appeals: AppealFigures
    times: DecisionTimes
    outcomes: Outcomes  # every final decision of the period, key "all"
    by_category: list[Outcomes]  # every category, zeros too
    by_detection: list[Outcomes]  # keys "automated" and "human"
    information_requests: InformationRequests
    misuse: MisuseFigures


def transparency_report(*, since: date, until: date) -> TransparencyReport:
    if until <= since:
        raise ValueError("until must be after since")
    start, end = (timezone.make_aware(datetime.combine(day, time.min)) for day in (since, until))
    all_times, with_request, without_request = _information_request_times(start, end)
    by_category = _complete(outcomes_by(field="suspension__category", since=start, until=end))
    return TransparencyReport(
        since=since,
        until=until,
        suspensions=_suspension_figures(start, end),
        notices=_notice_figures(start, end),
        appeals=_appeal_figures(start, end),
        times=all_times,
        outcomes=Outcomes(
            key="all",
            upheld=sum(row.upheld for row in by_category),
            overturned=sum(row.overturned for row in by_category),
            modified=sum(row.modified for row in by_category),
        ),
        by_category=by_category,
        by_detection=_complete_detection(outcomes_by(field="suspension__automated_detection", since=start, until=end)),
        information_requests=InformationRequests(
            sent=_requests_sent(start, end), with_request=with_request, without_request=without_request
        ),
        misuse=MisuseFigures(**MisuseMeasure.objects.counts_between(start, end)),
    )


def _between(field: str, start: datetime, end: datetime | None) -> Q:
    return Q(**{f"{field}__gte": start}) & (Q(**{f"{field}__lt": end}) if end is not None else Q())


def _suspension_figures(start: datetime, end: datetime) -> SuspensionFigures:
    """One GROUP BY over the five breakdowns together (at most a few hundred groups), summed per breakdown."""
    dimensions = ["decision_ground", "category", "source_type", "automated_detection", "automated_decision"]
    rows = list(
        Suspension.objects.filter(_between("application_date", start, end))
        .values(*dimensions)
        .annotate(count=Count("pk"), never_informed=Count("pk", filter=Q(informed_at__isnull=True)))
        .order_by()
    )

    def tallies(field: str, keys: Iterable[Any], name: dict[Any, str] | None = None) -> list[Tally]:
        counts: Counter[Any] = Counter()
        for row in rows:
            counts[row[field]] += row["count"]
        return [Tally(key=name[key] if name else key, count=counts[key]) for key in keys]

    return SuspensionFigures(
        total=sum(row["count"] for row in rows),
        never_informed=sum(row["never_informed"] for row in rows),
        by_ground=tallies("decision_ground", DecisionGround.values),
        by_category=tallies("category", Category.values),
        by_source=tallies("source_type", SourceType.values),
        by_detection=tallies("automated_detection", [True, False], DETECTION_KEYS),
        by_automated_decision=tallies("automated_decision", AutomatedDecision.values),
    )


def _notice_figures(start: datetime, end: datetime) -> NoticeFigures:
    statuses = {
        "delivered": NoticeStatus.DELIVERED,
        "bounced": NoticeStatus.BOUNCED,
        "failed": NoticeStatus.FAILED,
        "pending": NoticeStatus.SENT,
    }
    counts = Notice.objects.filter(_between("sent_at", start, end)).aggregate(
        sent=Count("pk"), **{name: Count("pk", filter=Q(status=status)) for name, status in statuses.items()}
    )
    return NoticeFigures(**counts)


def _appeal_figures(start: datetime, end: datetime) -> AppealFigures:
    received, withdrawn, decided = (_between(field, start, end) for field in ("filed_at", "withdrawn_at", "decided_at"))
    counts = Appeal.objects.filter(received | withdrawn | decided).aggregate(
        received=Count("pk", filter=received),
        withdrawn=Count("pk", filter=withdrawn),
        decided=Count("pk", filter=decided),
    )
    return AppealFigures(**counts)


def _requests_sent(start: datetime, end: datetime) -> int:
    return Message.objects.filter(_between("created_at", start, end), reply_by__isnull=False).count()


def _information_request_times(start: datetime, end: datetime) -> tuple[DecisionTimes, DecisionTimes, DecisionTimes]:
    asked = Exists(Message.objects.filter(appeal=OuterRef("pk"), reply_by__isnull=False))
    times = decision_times_of(
        _decided(start, end).alias(asked=asked), {"all": Q(), "asked": Q(asked=True), "not_asked": Q(asked=False)}
    )
    return times["all"], times["asked"], times["not_asked"]


def _decided(start: datetime, end: datetime | None) -> QuerySet[Appeal]:
    return Appeal.objects.filter(_between("decided_at", start, end), status=AppealStatus.DECIDED)


def decision_times(*, since: datetime, until: datetime | None = None) -> DecisionTimes:
    return decision_times_of(_decided(since, until), {"all": Q()})["all"]


class MedianAndP90(Aggregate):
    """PostgreSQL's percentile_cont at 0.5 and 0.9, from one sort: the same interpolation as `percentile` below,
    computed in the database. Gives [median, 90th percentile], or None for no rows."""

    function = "PERCENTILE_CONT"
    name = "MedianAndP90"
    template = "%(function)s(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"

    def __init__(self, expression: Any, **extra: Any) -> None:
        super().__init__(expression, output_field=ArrayField(DurationField()), **extra)


TOOK = ExpressionWrapper(F("decided_at") - F("filed_at"), output_field=DurationField())


def decision_times_of(decided: QuerySet[Appeal], subsets: dict[str, Q]) -> dict[str, DecisionTimes]:
    """Count, median and 90th percentile of the time to decision for each subset of `decided`, in one query.

    PostgreSQL computes the percentiles itself (percentile_cont, no rows leave the database). Other databases
    (SQLite in development and tests) have no percentile aggregate: there the query reads one small row per decided
    appeal of the period and `percentile` interpolates the same way."""
    if connections[decided.db].vendor == "postgresql":
        figures: dict[str, Any] = {}
        for name, subset in subsets.items():
            where = subset or None
            figures[f"{name}_n"] = Count("pk", filter=where)
            figures[f"{name}_p"] = MedianAndP90(TOOK, filter=where)
        row = decided.aggregate(**figures)
        return {
            name: DecisionTimes(decided=row[f"{name}_n"], median=median, p90=p90)
            for name in subsets
            for median, p90 in [row[f"{name}_p"] or (None, None)]
        }
    flags = {
        f"in_{name}": ExpressionWrapper(subset, output_field=BooleanField()) if subset else Value(True)
        for name, subset in subsets.items()
    }
    durations: dict[str, list[timedelta]] = {name: [] for name in subsets}
    for filed, decided_at, *inside in (
        decided.annotate(**flags).order_by().values_list("filed_at", "decided_at", *flags)
    ):
        for name, member in zip(subsets, inside, strict=True):
            if member:
                durations[name].append(decided_at - filed)
    return {
        name: DecisionTimes(decided=len(values), median=percentile(values, 50), p90=percentile(values, 90))
        for name, values in durations.items()
    }


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


def final_decisions(since: datetime, until: datetime | None = None) -> QuerySet[Decision]:
    """The final decision of each appeal decided in [since, until) (an appeal has at most one)."""
    return Decision.objects.filter(
        _between("appeal__decided_at", since, until), state=Decision.State.FINAL, appeal__status=AppealStatus.DECIDED
    )


def outcomes_by(*, field: str, since: datetime, until: datetime | None = None) -> list[Outcomes]:
    """Final decisions on appeals decided in the window, grouped by a field of the appeal (one query).

    `field` is a path from the appeal, e.g. "suspension__category"."""
    path = f"appeal__{field}"
    rows = (
        final_decisions(since, until)
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


def _complete(rows: list[Outcomes]) -> list[Outcomes]:
    """One row per category, in the vocabulary's order, zeros for categories without decisions."""
    found = {row.key: row for row in rows}
    return [found.get(key) or Outcomes(key=key, upheld=0, overturned=0, modified=0) for key in Category.values]


def _complete_detection(rows: list[Outcomes]) -> list[Outcomes]:
    """Automated detection first, then human, keyed "automated" and "human", zeros where there were none."""
    found = {bool(row.key): row for row in rows}
    return [
        Outcomes(key=name, upheld=row.upheld, overturned=row.overturned, modified=row.modified)
        if (row := found.get(automated))
        else Outcomes(key=name, upheld=0, overturned=0, modified=0)
        for automated, name in DETECTION_KEYS.items()
    ]
