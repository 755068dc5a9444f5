"""The public transparency page (/transparency/): the report's aggregate figures per half-year, for anyone.

Only complete half-years, the last PUBLIC_HALF_YEARS of them: fixed periods that never overlap, so figures cannot be
differenced between two requests. Counts below TRANSPARENCY_MIN_COUNT are withheld (appeals.disclosure). The
withheld figures are computed once per period and kept in the cache for TRANSPARENCY_CACHE_SECONDS; only they are
cached (never the raw counts), and the page is drawn from them in the reader's language.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from appeals.disclosure import PublicFigures, public_figures
from appeals.transparency import transparency_report
from appeals.transparency_tables import transparency_sections

PUBLIC_HALF_YEARS = 6


@dataclass(frozen=True)
class HalfYear:
    year: int
    half: int  # 1: January to June, 2: July to December

    @property
    def since(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def until(self) -> date:
        return date(self.year, 7, 1) if self.half == 1 else date(self.year + 1, 1, 1)

    @property
    def slug(self) -> str:
        return f"{self.year}-h{self.half}"

    @property
    def label(self) -> str:
        if self.half == 1:
            return _("January to June %(year)d") % {"year": self.year}
        return _("July to December %(year)d") % {"year": self.year}

    def previous(self) -> "HalfYear":
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)


def published_half_years(today: date) -> list[HalfYear]:
    """The complete half-years before today, latest first."""
    latest = HalfYear(today.year - 1, 2) if today.month <= 6 else HalfYear(today.year, 1)
    periods = [latest]
    while len(periods) < PUBLIC_HALF_YEARS:
        periods.append(periods[-1].previous())
    return periods


def figures_for(period: HalfYear) -> PublicFigures:
    threshold = settings.TRANSPARENCY_MIN_COUNT
    key = f"transparency:public:{period.slug}:{threshold}"
    figures = cache.get(key)
    if figures is None:
        report = transparency_report(since=period.since, until=period.until)
        figures = public_figures(report, threshold=threshold)
        cache.set(key, figures, settings.TRANSPARENCY_CACHE_SECONDS)
    return figures


@require_GET
def public_transparency(request: HttpRequest, year: int | None = None, half: int | None = None) -> HttpResponse:
    periods = published_half_years(timezone.localdate())
    period = periods[0] if year is None else HalfYear(year, half or 0)
    if period not in periods:
        raise Http404
    figures = figures_for(period)
    context = {
        "period": period,
        "periods": periods,
        "threshold": figures.threshold,
        "sections": transparency_sections(figures, skip_empty=False),
    }
    response = render(request, "transparency/public.html", context)
    # Private: the page carries the language form's CSRF token, which a shared cache must not hand to others.
    patch_cache_control(response, private=True, max_age=settings.TRANSPARENCY_CACHE_SECONDS)
    return response
