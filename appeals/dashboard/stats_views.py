"""The reviewers' statistics page: the figures from stats.py as tables, each beside a server-drawn SVG bar chart."""

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from accounts.staff_access import staff_required
from appeals.choices import Category
from appeals.dashboard.stats import DecisionTimes, Outcomes, ReviewStats, review_stats

# Chart geometry, in SVG user units: each bar has its label on the line above it, and its value to its right.
CHART_WIDTH = 440
BAR_SPACE = 280  # the longest bar; the rest of the width (160) is for its value
ROW_HEIGHT = 40
BAR_HEIGHT = 16
LABEL_CHARS = 55
NO_DATA = "—"


class Datum(NamedTuple):
    label: str
    value: float
    text: str  # the value as shown
    warn: bool = False


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    width: int
    label_y: int
    y: int
    value_x: int
    value_y: int
    warn: bool = False


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    track: bool  # draw the full scale behind each bar (for rates, whose scale is 0-100%)
    width: int = CHART_WIDTH
    bar_space: int = BAR_SPACE
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT + 4


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
        "median_text": _duration_text(figures.times.median),
        "p90_text": _duration_text(figures.times.p90),
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
            Datum(_("Median"), times.median.total_seconds(), _duration_text(times.median)),
            Datum(_("90th percentile"), times.p90.total_seconds(), _duration_text(times.p90)),
        ],
    )


def _rate_chart(title: str, rows: list[OutcomeRow]) -> BarChart:
    return bar_chart(
        title, [Datum(row.label, row.figures.overturn_rate or 0.0, row.rate_text) for row in rows], scale=1.0
    )


def bar_chart(title: str, data: list[Datum], *, scale: float | None = None) -> BarChart:
    """Horizontal bars, scaled so that `scale` (or else the largest value) fills the bar space."""
    top = scale if scale is not None else max((datum.value for datum in data), default=0)
    bars = []
    for index, datum in enumerate(data):
        width = round(BAR_SPACE * datum.value / top) if top > 0 else 0
        width = max(width, 2) if datum.value > 0 else 0  # a small value stays visible
        y = index * ROW_HEIGHT + 20
        bars.append(
            Bar(
                label=Truncator(datum.label).chars(LABEL_CHARS),
                value_text=datum.text,
                width=width,
                label_y=y - 5,
                y=y,
                value_x=width + 6,
                value_y=y + BAR_HEIGHT - 3,
                warn=datum.warn,
            )
        )
    return BarChart(title=title, bars=bars, track=scale is not None)


def _outcome_row(figures: Outcomes, label: str) -> OutcomeRow:
    return OutcomeRow(label=label, figures=figures, rate_text=_percent_text(figures.overturn_rate))


def _category_label(key: str | bool) -> str:
    return str(dict(Category.choices).get(str(key), key))


def _detection_label(key: str | bool) -> str:
    return _("Automated detection") if key else _("Human detection")


def _percent_text(rate: float | None) -> str:
    if rate is None:
        return NO_DATA
    return _("%(percent)d%%") % {"percent": math.floor(rate * 100 + 0.5)}


def _duration_text(duration: timedelta | None) -> str:
    """Days and hours, to the nearest hour."""
    if duration is None:
        return NO_DATA
    hours_total = math.floor(duration.total_seconds() / 3600 + 0.5)
    if hours_total == 0:
        return _("less than an hour")
    days, hours = divmod(hours_total, 24)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    return " ".join(parts)
