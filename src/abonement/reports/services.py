"""Background exports: a row the librarian watches, filled by the worker (SPEC R5, large reports)."""

import logging
import tempfile
from datetime import date

from django.core.files import File
from django.db import transaction
from django.utils import translation

from abonement.core import clock
from abonement.core.spreadsheets import write_csv, write_xlsx
from abonement.reports.exporters import TABLES
from abonement.reports.models import Export
from abonement.reports.statistics import Period, events_queryset

log = logging.getLogger(__name__)
PROGRESS_EVERY = 20_000  # rows between progress updates: one UPDATE per a second or two of work


def start_export(*, library, user, report: str, fmt: str, period: Period, kinds=(), language: str) -> Export:
    from abonement.reports.tasks import run_export  # the task module imports this one

    rows_total = events_queryset(library, period, kinds).count() if report == "events" else 0
    export = Export.objects.create(
        library=library,
        requested_by=user,
        report=report,
        fmt=fmt,
        params={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "kinds": list(kinds),
            "language": language,
        },
        rows_total=rows_total,
        created_at=clock.now(),
    )
    transaction.on_commit(lambda: run_export.enqueue(export.pk))
    return export


def run_export(export_id: int) -> None:
    # Claimed with one conditional UPDATE: a second delivery of the task, or a second worker, finds it taken.
    if not Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(status=Export.Status.RUNNING):
        return
    export = Export.objects.select_related("library").get(pk=export_id)
    params = export.params
    period = Period.of(export.library, date.fromisoformat(params["start"]), date.fromisoformat(params["end"]))

    reported = 0

    def progress(rows_done: int) -> None:
        nonlocal reported
        if rows_done - reported >= PROGRESS_EVERY:
            Export.objects.filter(pk=export.pk).update(rows_done=rows_done)
            reported = rows_done

    try:
        with translation.override(params.get("language")), tempfile.TemporaryFile() as scratch:
            table = TABLES[export.report](export.library, period, kinds=params.get("kinds", []))
            if export.fmt == "xlsx":
                write_xlsx(scratch, table.header, table.rows, title=table.title, progress=progress)
            else:
                write_csv(scratch, table.header, table.rows, progress=progress)
            scratch.seek(0)
            export.file.save(table.filename(period, export.fmt), File(scratch), save=False)
    except Exception as exc:
        log.exception("export %s failed", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=str(exc)[:500], finished_at=clock.now()
        )
        return
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.DONE, file=export.file.name, rows_done=export.rows_total, finished_at=clock.now()
    )
