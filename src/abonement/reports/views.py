"""Statistics pages and their files (SPEC R1–R5). Thin: form → statistics/exporters → page or file."""

import zoneinfo
from itertools import islice

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from abonement.core import clock, tenancy
from abonement.core.spreadsheets import csv_response, xlsx_response
from abonement.reports import services
from abonement.reports.exporters import TABLES
from abonement.reports.forms import PRESETS, EventsForm, PeriodForm
from abonement.reports.models import Export
from abonement.reports.statistics import EVENT_REPORT_KINDS, Period, events_queryset

TABS = [
    ("general", "staff:reports", _("General")),
    ("events", "staff:report_events", _("Events")),
    ("attendance", "staff:report_attendance", _("Attendance")),
    ("circulation", "staff:report_circulation", _("Circulation")),
]
# Bigger event reports go to the background worker: a month of a busy library is tens of thousands of rows.
EVENTS_INLINE_DAYS = 31
EVENTS_INLINE_ROWS = 20_000
PAGE_ROWS = 100


def _library_today(library):
    return clock.now().astimezone(zoneinfo.ZoneInfo(library.timezone)).date()


def _preset_links(request, data) -> list[tuple[str, str, str]]:
    """(preset, label, query string) keeping the chosen event kinds."""
    links = []
    for preset, label in PRESETS[:-1]:
        query = request.GET.copy()
        query.setlist("kinds", data.getlist("kinds"))
        for name in ("start", "end", "format"):
            query.pop(name, None)
        query["preset"] = preset
        links.append((preset, label, query.urlencode()))
    return links


def _report(request, report: str, form_class=PeriodForm):
    library = tenancy.current_library(request)
    data = request.GET.copy()
    if not data:  # the first visit: the last week, every kind of event
        data["preset"] = "week"
        data.setlist("kinds", [k.value for k in EVENT_REPORT_KINDS])
    form = form_class(data, today=_library_today(library))
    context = {"form": form, "report": report, "tabs": TABS, "presets": _preset_links(request, data)}
    if not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    period = Period.of(library, form.cleaned_data["start"], form.cleaned_data["end"])
    kinds = form.cleaned_data.get("kinds", [])
    fmt = form.cleaned_data["format"]
    if fmt and report == "events":
        rows = events_queryset(library, period, kinds).count()
        if rows > EVENTS_INLINE_ROWS or len(period.days) > EVENTS_INLINE_DAYS:
            if request.method != "POST":
                # A job is a change: a GET (a link or a cross-site navigation, which SameSite=Lax lets through)
                # only offers the button, and the POST it sends carries the CSRF token.
                context.update(period=period, background_rows=rows)
                return render(request, "reports/report.html", context)
            export = services.start_export(
                library=library,
                user=request.user,
                report=report,
                fmt=fmt,
                period=period,
                kinds=kinds,
                language=translation.get_language(),
            )
            return redirect("staff:report_export", export_id=export.pk)
    table = TABLES[report](library, period, kinds=kinds)
    if fmt == "csv":
        return csv_response(table.filename(period, "csv"), table.header, table.rows)
    if fmt == "xlsx":
        return xlsx_response(table.filename(period, "xlsx"), table.header, table.rows, title=table.title)
    shown = PAGE_ROWS if report == "events" else None
    context.update(period=period, table=table, rows=list(islice(table.rows, shown)))
    if report == "events":
        context["total"] = events_queryset(library, period, kinds).count()
    return render(request, "reports/report.html", context)


@tenancy.librarian_required
def general(request):
    return _report(request, "general")


@tenancy.librarian_required
def events(request):
    return _report(request, "events", EventsForm)


@tenancy.librarian_required
def attendance(request):
    return _report(request, "attendance")


@tenancy.librarian_required
def circulation(request):
    return _report(request, "circulation")


def _exports(request):
    return Export.objects.filter(library=tenancy.current_library(request))


@tenancy.librarian_required
def export_list(request):
    return render(request, "reports/export_list.html", {"exports": _exports(request)[:50], "tabs": TABS})


@tenancy.librarian_required
def export_detail(request, export_id: int):
    export = tenancy.get_scoped(_exports(request), pk=export_id)
    response = render(request, "reports/export_detail.html", {"export": export, "tabs": TABS})
    if export.status in {Export.Status.QUEUED, Export.Status.RUNNING}:
        response["Refresh"] = "3"  # the progress updates without JavaScript
    return response


@tenancy.librarian_required
def export_file(request, export_id: int):
    export = tenancy.get_scoped(_exports(request), pk=export_id)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    name = export.file.name.rsplit("/", 1)[-1]
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=name)
