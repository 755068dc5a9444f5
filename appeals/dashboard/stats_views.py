"""The reviewers' statistics page: the figures from stats.py as tables, each beside a server-drawn SVG bar chart."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.staff_access import staff_required
from appeals.choices import Category
from appeals.dashboard.charts import BarChart, Datum, bar_chart, duration_text, percent_text
from appeals.dashboard.stats import ReviewStats, review_stats
from appeals.transparency import DecisionTimes, Outcomes


@dataclass(frozen=True)
class OutcomeRow:
    label: str
    figures: Outcomes
    rate_text: str


@require_GET
@staff_required()
def stats(request: HttpRequest) -> HttpResponse:
    figures = review_stats(now=timezone.now())
    by_category = [_outcome_row(row, _category_label(row.key)) for row in figures.by_category]
    by_detection = [_outcome_row(row, _detection_label(row.key)) for row in figures.by_detection]
    context = {
        "stats": figures,
        "median_text": duration_text(figures.times.median),
        "p90_text": duration_text(figures.times.p90),
        "by_category": by_category,
        "by_detection": by_detection,
        "charts": _charts(figures, by_category, by_detection),
    }
    return render(request, "review/stats.html", context)


def _charts(figures: ReviewStats, by_category: list[OutcomeRow], by_detection: list[OutcomeRow]) -> dict[str, Any]:
    work = figures.workload
    return {
        "workload": bar_chart(
            _("Chart of open appeals, due soon and overdue"),
            [
                Datum(_("Open"), work.open, str(work.open)),
                Datum(_("Due soon"), work.due_soon, str(work.due_soon)),
                Datum(_("Overdue"), work.overdue, str(work.overdue), warn=True),
            ],
        ),
        "times": _times_chart(figures.times),
        "by_category": _rate_chart(_("Chart of the overturn rate by category"), by_category),
        "by_detection": _rate_chart(_("Chart of the overturn rate by how the content was detected"), by_detection),
        "by_reviewer": bar_chart(
            _("Chart of final decisions per reviewer"),
            [Datum(row.name, row.decisions, str(row.decisions)) for row in figures.by_reviewer],
        ),
    }


def _times_chart(times: DecisionTimes) -> BarChart | None:
    if times.median is None or times.p90 is None:
        return None
    return bar_chart(
        _("Chart of the time to a decision: median and 90th percentile"),
        [
            Datum(_("Median"), times.median.total_seconds(), duration_text(times.median)),
            Datum(_("90th percentile"), times.p90.total_seconds(), duration_text(times.p90)),
        ],
    )


def _rate_chart(title: str, rows: list[OutcomeRow]) -> BarChart:
    return bar_chart(
        title, [Datum(row.label, row.figures.overturn_rate or 0.0, row.rate_text) for row in rows], scale=1.0
    )


def _outcome_row(figures: Outcomes, label: str) -> OutcomeRow:
    return OutcomeRow(label=label, figures=figures, rate_text=percent_text(figures.overturn_rate))


def _category_label(key: str | bool) -> str:
    return str(dict(Category.choices).get(str(key), key))


def _detection_label(key: str | bool) -> str:
    return _("Automated detection") if key else _("Human detection")
