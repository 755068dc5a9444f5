"""The transparency report laid out as sections, each a table beside a bar chart: one layout for the staff report
and the public page (templates/transparency/_sections.html). The public page passes figures with small counts
withheld; the staff report passes them all (threshold 0) and leaves out rows with nothing in them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals.choices import AutomatedDecision, Category, DecisionGround, SourceType
from appeals.dashboard.charts import BarChart, Datum, bar_chart, duration_text, percent_text
from appeals.disclosure import PublicFigures
from appeals.transparency_figures import OUTCOME_FIELDS

DETECTION_LABELS = {"automated": gettext_lazy("Automated detection"), "human": gettext_lazy("Human detection")}


@dataclass(frozen=True)
class Cell:
    text: str
    is_count: bool = False
    withheld: bool = False


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    caption: str
    columns: list[str]  # headings of the value columns; the first column holds each row's label
    rows: list[Row]
    chart: BarChart | None


class Layout:
    def __init__(self, figures: PublicFigures, *, skip_empty: bool) -> None:
        self.figures = figures
        self.skip_empty = skip_empty

    def count(self, name: str) -> Cell:
        value = self.figures.counts[name]
        if value is not None:
            return Cell(str(value), is_count=True)
        if name in self.figures.few:
            return Cell(_("fewer than %(count)d") % {"count": self.figures.threshold}, is_count=True, withheld=True)
        return Cell(_("withheld"), is_count=True, withheld=True)

    def derived(self, name: str, text: Callable[[Any], str]) -> Cell:
        if name in self.figures.derived_withheld:
            return Cell(_("withheld"), withheld=True)
        return Cell(text(self.figures.derived[name]))

    def empty(self, name: str) -> bool:
        return self.skip_empty and self.figures.counts[name] == 0


def transparency_sections(figures: PublicFigures, *, skip_empty: bool) -> list[Section]:
    layout = Layout(figures, skip_empty=skip_empty)
    return [
        _count_section(
            layout,
            "suspensions",
            _("Restrictions"),
            _("Account restrictions that took effect in the period"),
            [
                ("suspensions.total", _("Suspensions and terminations")),
                ("suspensions.never_informed", _("No notice has reached the person")),
            ],
        ),
        _breakdown(layout, "ground", _("Restrictions by ground"), dict(DecisionGround.choices)),
        _breakdown(layout, "category", _("Restrictions by category"), dict(Category.choices)),
        _breakdown(layout, "source", _("Restrictions by source"), dict(SourceType.choices)),
        _breakdown(layout, "detection", _("Restrictions by how the content was detected"), DETECTION_LABELS),
        _breakdown(
            layout, "automated_decision", _("Restrictions by automated decision"), dict(AutomatedDecision.choices)
        ),
        _count_section(
            layout,
            "notices",
            _("Notices to the account holder"),
            _("Notices sent in the period, by what became of them"),
            [
                ("notices.sent", _("Sent")),
                ("notices.delivered", _("Delivered")),
                ("notices.bounced", _("Bounced")),
                ("notices.failed", _("Failed")),
                ("notices.pending", _("No report yet")),
            ],
            warn={"notices.bounced", "notices.failed"},
        ),
        _count_section(
            layout,
            "appeals",
            _("Appeals"),
            _("Appeals filed, withdrawn and decided in the period, and requests for information sent"),
            [
                ("appeals.received", _("Received")),
                ("appeals.withdrawn", _("Withdrawn")),
                ("appeals.decided", _("Decided")),
                ("information_requests.sent", _("Requests for information sent")),
            ],
        ),
        _times_section(layout),
        _outcomes_section(
            layout,
            "category",
            dict(Category.choices),
            title=_("Decisions by category"),
            chart_title=_("Chart: reversal rate by category"),
        ),
        _outcomes_section(
            layout,
            "detection",
            DETECTION_LABELS,
            title=_("Decisions by how the content was detected"),
            chart_title=_("Chart: reversal rate by how the content was detected"),
        ),
        _count_section(
            layout,
            "misuse",
            _("Measures against misuse"),
            _("Warnings and blocks on new appeals for manifestly unfounded appeals, issued in the period"),
            [("misuse.warnings", _("Warnings issued")), ("misuse.blocks", _("Blocks on new appeals imposed"))],
        ),
    ]


def _count_section(
    layout: Layout,
    slug: str,
    title: str,
    caption: str,
    rows: list[tuple[str, str]],
    *,
    warn: set[str] | None = None,
) -> Section:
    cells = [(name, label, layout.count(name)) for name, label in rows if not layout.empty(name)]
    data = [
        Datum(label, _chart_value(layout, name), cell.text, warn=name in (warn or set())) for name, label, cell in cells
    ]
    return Section(
        slug=slug,
        title=title,
        caption=caption,
        columns=[_("Number")],
        rows=[Row(label, [cell]) for _name, label, cell in cells],
        chart=bar_chart(_("Chart: %(title)s") % {"title": title}, data) if data else None,
    )


def _breakdown(layout: Layout, breakdown: str, title: str, labels: dict[str, Any]) -> Section:
    rows = [(f"suspensions.{breakdown}.{key}", str(label)) for key, label in labels.items()]
    return _count_section(
        layout,
        f"suspensions-{breakdown.replace('_', '-')}",
        title,
        _("%(title)s, in the period") % {"title": title},
        rows,
    )


def _chart_value(layout: Layout, name: str) -> float:
    return float(layout.figures.counts[name] or 0)


def _times_section(layout: Layout) -> Section:
    groups = [
        ("times", "appeals.decided", _("All decided appeals")),
        (
            "information_requests.with_request",
            "information_requests.decided_with_request",
            _("After a request for information"),
        ),
        (
            "information_requests.without_request",
            "information_requests.decided_without_request",
            _("Without a request for information"),
        ),
    ]
    rows = []
    data = []
    for prefix, count, label in groups:
        median = layout.derived(f"{prefix}.median", duration_text)
        p90 = layout.derived(f"{prefix}.p90", duration_text)
        rows.append(Row(label, [layout.count(count), median, p90]))
        for name, cell, which in (
            (f"{prefix}.median", median, _("median")),
            (f"{prefix}.p90", p90, _("90th percentile")),
        ):
            value = layout.figures.derived[name]
            if isinstance(value, timedelta):
                data.append(Datum(f"{label}: {which}", value.total_seconds(), cell.text))
    return Section(
        slug="times",
        title=_("Time from filing to decision"),
        caption=_("Appeals decided in the period: how many, and the median and 90th percentile of the time they took"),
        columns=[_("Decided"), _("Median"), _("90th percentile")],
        rows=rows,
        chart=bar_chart(_("Chart: time from filing to decision"), data) if data else None,
    )


def _outcomes_section(
    layout: Layout, breakdown: str, labels: dict[str, Any], *, title: str, chart_title: str
) -> Section:
    prefixes = [("decisions", _("All decisions"))] + [
        (f"decisions.{breakdown}.{key}", str(label)) for key, label in labels.items()
    ]
    rows = []
    data = []
    for prefix, label in prefixes:
        decided = "appeals.decided" if prefix == "decisions" else f"{prefix}.decided"
        if layout.empty(decided):
            continue
        rate = layout.derived(f"{prefix}.reversal_rate", percent_text)
        counts = [layout.count(f"{prefix}.{field}") for field in OUTCOME_FIELDS]
        rows.append(Row(label, [*counts, layout.count(decided), rate]))
        value = layout.figures.derived[f"{prefix}.reversal_rate"]
        data.append(Datum(label, value if isinstance(value, float) else 0.0, rate.text))
    return Section(
        slug=f"decisions-{breakdown}",
        title=title,
        caption=_("%(title)s: final decisions on appeals decided in the period, and the reversal rate")
        % {"title": title},
        columns=[_("Upheld"), _("Overturned"), _("Modified"), _("Decided"), _("Reversal rate")],
        rows=rows,
        chart=bar_chart(chart_title, data, scale=1.0) if rows else None,
    )
