"""Bar charts drawn on the server as SVG (templates/review/_bar_chart.svg.html), and how their figures read.

No JavaScript and no inline styles (the CSP forbids both): the colours come from classes in recourse.css, and each
chart sits beside a table holding the same figures for screen readers."""

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def percent_text(rate: float | None) -> str:
    if rate is None:
        return NO_DATA
    return _("%(percent)d%%") % {"percent": math.floor(rate * 100 + 0.5)}


def duration_text(duration: timedelta | None) -> str:
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
