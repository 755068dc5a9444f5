"""The staff transparency report: any period of days, as tables beside SVG charts, and as CSV or JSON to download.

Same permission as the statistics page. Every figure is shown (no suppression: staff see the full report)."""

import json
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.staff_access import staff_required
from appeals.dashboard.forms import PeriodForm
from appeals.disclosure import public_figures
from appeals.transparency import TransparencyReport, transparency_report
from appeals.transparency_figures import report_csv, report_json
from appeals.transparency_tables import transparency_sections


def _period_form(request: HttpRequest) -> PeriodForm:
    return PeriodForm(request.GET if request.GET else PeriodForm.last_full_month())


def _report(form: PeriodForm) -> TransparencyReport:
    return transparency_report(since=form.since, until=form.until)


@require_GET
@staff_required()
def transparency(request: HttpRequest) -> HttpResponse:
    form = _period_form(request)
    if not form.is_valid():
        return render(request, "review/transparency.html", {"form": form}, status=400)
    report = _report(form)
    query = urlencode({"first": form.cleaned_data["first"], "last": form.cleaned_data["last"]})
    context = {
        "form": form,
        "report": report,
        "sections": transparency_sections(public_figures(report, threshold=0), skip_empty=True),
        "query": query,
    }
    return render(request, "review/transparency.html", context)


@require_GET
@staff_required()
def transparency_download(request: HttpRequest, fmt: str) -> HttpResponse:
    form = _period_form(request)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    report = _report(form)
    name = f"transparency-{report.since}-{report.until}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
    else:
        body = json.dumps(report_json(report), indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
