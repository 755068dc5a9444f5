"""The transparency report as named figures: the one flat form that the CSV, the JSON and the public page share.

Each count has a dotted name (`suspensions.category.STATEMENT_CATEGORY_SCAMS_AND_FRAUD`). `partitions` says which
counts add up to which total, so the public page can suppress enough cells that none can be worked out by
subtraction; each derived figure (a rate, a percentile) names the counts it is computed from.
"""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from appeals.transparency import DecisionTimes, Outcomes, Tally, TransparencyReport

OUTCOME_FIELDS = ("upheld", "overturned", "modified")
DURATIONS = (".median", ".p90")  # derived figures that are durations


@dataclass(frozen=True)
class Derived:
    value: float | timedelta | None
    depends_on: tuple[str, ...]


@dataclass(frozen=True)
class Figures:
    counts: dict[str, int]
    partitions: list[tuple[str, list[str]]]  # (the total's name, the names of the counts that add up to it)
    derived: dict[str, Derived]


def report_figures(report: TransparencyReport) -> Figures:
    counts: dict[str, int] = {}
    partitions: list[tuple[str, list[str]]] = []
    derived: dict[str, Derived] = {}
    _suspensions(report, counts, partitions)
    notices = report.notices
    counts.update({f"notices.{name}": getattr(notices, name) for name in ("sent", "delivered", "bounced", "failed")})
    counts["notices.pending"] = notices.pending
    partitions.append(("notices.sent", [f"notices.{name}" for name in ("delivered", "bounced", "failed", "pending")]))
    counts.update({f"appeals.{name}": getattr(report.appeals, name) for name in ("received", "withdrawn", "decided")})
    _times("times", report.times, "appeals.decided", derived)
    _outcomes(report, counts, partitions, derived)
    _information_requests(report, counts, partitions, derived)
    counts.update({"misuse.warnings": report.misuse.warnings, "misuse.blocks": report.misuse.blocks})
    return Figures(counts=counts, partitions=partitions, derived=derived)


def _suspensions(report: TransparencyReport, counts: dict[str, int], partitions: list[tuple[str, list[str]]]) -> None:
    figures = report.suspensions
    counts["suspensions.total"] = figures.total
    counts["suspensions.never_informed"] = figures.never_informed
    breakdowns: dict[str, list[Tally]] = {
        "ground": figures.by_ground,
        "category": figures.by_category,
        "source": figures.by_source,
        "detection": figures.by_detection,
        "automated_decision": figures.by_automated_decision,
    }
    for breakdown, tallies in breakdowns.items():
        names = [f"suspensions.{breakdown}.{tally.key}" for tally in tallies]
        counts.update(zip(names, (tally.count for tally in tallies), strict=True))
        partitions.append(("suspensions.total", names))


def _outcomes(
    report: TransparencyReport,
    counts: dict[str, int],
    partitions: list[tuple[str, list[str]]],
    derived: dict[str, Derived],
) -> None:
    """Decisions by outcome, and the same by category and by detection: each row adds up to its `decided`, and
    each column to the overall figure for that outcome."""
    _outcome_row("decisions", report.outcomes, counts, derived, total="appeals.decided")
    partitions.append(("appeals.decided", [f"decisions.{field}" for field in OUTCOME_FIELDS]))
    for breakdown, rows in (("category", report.by_category), ("detection", report.by_detection)):
        prefixes = [f"decisions.{breakdown}.{row.key}" for row in rows]
        for prefix, row in zip(prefixes, rows, strict=True):
            _outcome_row(prefix, row, counts, derived, total=f"{prefix}.decided")
            counts[f"{prefix}.decided"] = row.decided
            partitions.append((f"{prefix}.decided", [f"{prefix}.{field}" for field in OUTCOME_FIELDS]))
        for field in OUTCOME_FIELDS:
            partitions.append((f"decisions.{field}", [f"{prefix}.{field}" for prefix in prefixes]))
        partitions.append(("appeals.decided", [f"{prefix}.decided" for prefix in prefixes]))


def _outcome_row(
    prefix: str, row: Outcomes, counts: dict[str, int], derived: dict[str, Derived], *, total: str
) -> None:
    cells = [f"{prefix}.{field}" for field in OUTCOME_FIELDS]
    counts.update(zip(cells, (getattr(row, field) for field in OUTCOME_FIELDS), strict=True))
    derived[f"{prefix}.reversal_rate"] = Derived(row.reversal_rate, (total, *cells))


def _information_requests(
    report: TransparencyReport,
    counts: dict[str, int],
    partitions: list[tuple[str, list[str]]],
    derived: dict[str, Derived],
) -> None:
    requests = report.information_requests
    counts["information_requests.sent"] = requests.sent
    parts = {"with_request": requests.with_request, "without_request": requests.without_request}
    for name, times in parts.items():
        count = f"information_requests.decided_{name}"
        counts[count] = times.decided
        _times(f"information_requests.{name}", times, count, derived)
    partitions.append(("appeals.decided", [f"information_requests.decided_{name}" for name in parts]))


def _times(prefix: str, times: DecisionTimes, count: str, derived: dict[str, Derived]) -> None:
    derived[f"{prefix}.median"] = Derived(times.median, (count,))
    derived[f"{prefix}.p90"] = Derived(times.p90, (count,))


# --- downloads -------------------------------------------------------------------------------------------------------


def figure_value(value: float | timedelta | None) -> int | float | None:
    """As written to CSV and JSON: durations in whole seconds, rates as a fraction to four places."""
    if isinstance(value, timedelta):
        return round(value.total_seconds())
    if isinstance(value, float):
        return round(value, 4)
    return value


def _download_name(name: str) -> str:
    return f"{name}_seconds" if name.endswith(DURATIONS) else name


def report_rows(report: TransparencyReport) -> list[tuple[str, int | float | None]]:
    figures = report_figures(report)
    rows: list[tuple[str, int | float | None]] = list(figures.counts.items())
    rows += [(_download_name(name), figure_value(item.value)) for name, item in figures.derived.items()]
    return rows


def report_json(report: TransparencyReport) -> dict[str, Any]:
    return {"since": report.since.isoformat(), "until": report.until.isoformat(), "figures": dict(report_rows(report))}


def report_csv(report: TransparencyReport) -> str:
    """Two columns, figure and value; the period in the first two rows. An empty value: no data (no decisions)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "value"])
    writer.writerow(["period.since", report.since.isoformat()])
    writer.writerow(["period.until", report.until.isoformat()])
    for name, value in report_rows(report):
        writer.writerow([name, "" if value is None else value])
    return out.getvalue()
