"""Small-number suppression for the public transparency page: no figure on it may single out a person.

1. Primary: every count below the threshold (TRANSPARENCY_MIN_COUNT; zero included, so that "none" and "one" look
   alike) is withheld and shown as "fewer than N".
2. Complementary: where counts add up to a total and exactly one of them (or the total) is withheld, it could be
   worked out by subtraction, so the smallest shown count beside it is withheld too. Rows and columns (a category's
   outcomes add up to its decisions, and each outcome's categories to the overall figure) are checked again and
   again until no sum has exactly one withheld member. (This is the usual "never one alone" rule of statistical
   offices; it does not solve every system of equations a determined reader could set up across tables, which is
   why the threshold also applies to zeros and the periods are coarse.)
3. Derived: a rate or a percentile is shown only when every count it is computed from is shown.

Periods on the public page are fixed half-years that never overlap, so figures cannot be differenced between them.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from appeals.transparency import TransparencyReport
from appeals.transparency_figures import report_figures


@dataclass(frozen=True)
class PublicFigures:
    """What the public page may show. None marks a withheld figure."""

    since: date
    until: date
    threshold: int
    counts: dict[str, int | None]
    few: frozenset[str]  # the counts withheld for being below the threshold (the others: to protect those)
    derived: dict[str, float | timedelta | None]
    derived_withheld: frozenset[str]  # derived figures withheld because a count they come from is


def public_figures(report: TransparencyReport, *, threshold: int) -> PublicFigures:
    """The report with small counts withheld. With threshold 0 nothing is: the staff page shows the same tables."""
    figures = report_figures(report)
    hidden = withheld(figures.counts, figures.partitions, threshold=threshold)
    return PublicFigures(
        since=report.since,
        until=report.until,
        threshold=threshold,
        counts={name: None if name in hidden else count for name, count in figures.counts.items()},
        few=frozenset(name for name, count in figures.counts.items() if count < threshold),
        derived={
            name: None if hidden.intersection(item.depends_on) else item.value for name, item in figures.derived.items()
        },
        derived_withheld=frozenset(
            name for name, item in figures.derived.items() if hidden.intersection(item.depends_on)
        ),
    )


def withheld(counts: dict[str, int], partitions: list[tuple[str, list[str]]], *, threshold: int) -> set[str]:
    """The names of the counts to withhold: below the threshold, and as many more as keep them from being derived."""
    hidden = {name for name, count in counts.items() if count < threshold}
    changed = True
    while changed:
        changed = False
        for total, parts in partitions:
            # total = sum(parts): with exactly one of them withheld, the others give it away.
            if sum(name in hidden for name in (total, *parts)) != 1:
                continue
            shown = [name for name in parts if name not in hidden] or [total]
            hidden.add(min(shown, key=lambda name: (counts[name], name)))
            changed = True
    return hidden
