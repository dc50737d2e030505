"""Benchmark of the mass issue of a collection to a group (SPEC G3).

    .venv/bin/python bench/mass_issue.py [--json figures.json]

One command measures, on PostgreSQL (--server; a database abonement_bench_mass_issue created and dropped) and
then on SQLite (a temporary file: WAL, IMMEDIATE transactions), each in its own child process:

  1. collections.services.mass_issue() of a collection of 10 paid titles to a group of 30 readers and to a group
     of 1,000 readers: wall time of the call (one transaction: 10 × readers new copies bought, ledger rows,
     loans, events, one notice per reader). Every run uses new readers and new titles, so every loan buys a copy
     (the most work a mass issue does). Median of --runs runs (3 for 1,000 readers);
  2. the baseline, measured in the same run: the same books issued one by one through
     circulation.services.force_issue() (the librarian's single issue, one transaction per loan), for 30 × 10
     and, on PostgreSQL, 1,000 × 10 (one run: it is long).

Production settings (DEBUG unset, random SECRET_KEY, EMAIL_URL=locmem://), as bench/lending.py sets them.
Exit status 1 when a PostgreSQL target is missed. Targets: 30 × 10 <= 0.5 s, 1,000 × 10 <= 10 s.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import (
    _url,
    configure_environment,
    create_database,
    describe_database,
    drop_database,
    machine,
    migrate,
    setup_django,
)
from lending import UNUSABLE

BENCH_DB = "abonement_bench_mass_issue"
TITLES = 10
SIZES = (30, 1000)
TARGETS_S = {30: 0.5, 1000: 10.0}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--runs", type=int, default=7, help="runs of the 30-reader issue (the 1,000: 3)")
    parser.add_argument("--skip", default="", help="comma-separated: sqlite,baseline-large")
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


# ---- in the child process -----------------------------------------------------------------------


class World:
    """One library with plenty of credits and its librarian; new readers and titles for every run."""

    def __init__(self):
        from abonement.accounts.models import User
        from abonement.circulation import services as circulation
        from abonement.libraries.models import Library, Network, StaffMembership

        network = Network.objects.create(name="Bench network", slug="bench")
        # The baseline's force_issue applies the reader's limit of books on hand (the mass issue does not).
        self.library = Library.objects.create(network=network, name="Bench school", loan_days=365, max_on_hand=1000)
        circulation.grant_credits(operator=None, library=self.library, amount=10_000_000)
        self.librarian = User.objects.create(username="bench-librarian", first_name="Bench", password=UNUSABLE)
        StaffMembership.objects.create(user=self.librarian, library=self.library)
        self.serial = 0

    def group(self, readers: int):
        from abonement.accounts.models import User
        from abonement.readers.models import Card, Group

        self.serial += 1
        prefix = f"r{self.serial}-"
        users = User.objects.bulk_create(
            User(username=f"{prefix}{i}", email=f"{prefix}{i}@bench.example.org", password=UNUSABLE)
            for i in range(readers)
        )
        base = 10_000_000 + Card.objects.count()
        cards = Card.objects.bulk_create(
            Card(number=str(base + i), library=self.library, user=user, full_name=f"Reader {prefix}{i}")
            for i, user in enumerate(users)
        )
        group = Group.objects.create(library=self.library, name=f"Class {self.serial}")
        Card.groups.through.objects.bulk_create(Card.groups.through(card=card, group=group) for card in cards)
        return group, cards

    def titles(self, count: int) -> list:
        from abonement.catalog.models import Title

        return Title.objects.bulk_create(
            Title(title=f"Bench book {self.serial}.{i}", language="ru", price=1, age_rating=0) for i in range(count)
        )

    def collection(self, titles: list):
        from abonement.collections import services

        collection = services.create_collection(library=self.library, name=f"Collection {self.serial}")
        services.add_titles(collection=collection, titles=titles)
        return collection


def time_mass_issue(world: World, readers: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from abonement.collections import services

    group, _ = world.group(readers)
    collection = world.collection(world.titles(TITLES))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        issued = services.mass_issue(librarian=world.librarian, collection=collection, groups=[group])
        elapsed = time.perf_counter() - started
    assert issued.loans == readers * TITLES and issued.copies_acquired == readers * TITLES
    return elapsed, len(queries)


def time_one_by_one(world: World, readers: int) -> float:
    from abonement.circulation import services as circulation

    _, cards = world.group(readers)
    titles = world.titles(TITLES)
    started = time.perf_counter()
    for card in cards:
        for title in titles:
            circulation.force_issue(
                librarian=world.librarian, library=world.library, card_number=card.number, title=title
            )
    return time.perf_counter() - started


def figures(seconds: list[float]) -> dict:
    return {
        "runs": len(seconds),
        "median_s": round(statistics.median(seconds), 3),
        "all_s": [round(s, 3) for s in seconds],
    }


def engine_child(engine: str, server: str, runs: int, skip: set[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="abonement-bench-mass-issue-") as tmp:
        if engine == "postgresql":
            database_url = _url(server, BENCH_DB)
            create_database(server, BENCH_DB)
        else:
            database_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        configure_environment(Path(tmp), database_url)
        try:
            setup_django()
            migrate()
            result = {"database": describe_database()}
            world = World()
            time_mass_issue(world, 30)  # warm-up: imports, template compilation, prepared plans
            for readers in SIZES:
                timed = [time_mass_issue(world, readers) for _ in range(runs if readers < 100 else 3)]
                result[f"mass_{readers}"] = {**figures([t for t, _ in timed]), "queries": timed[0][1]}
                print(engine, readers, result[f"mass_{readers}"], file=sys.stderr, flush=True)
            result["one_by_one_30"] = figures([time_one_by_one(world, 30) for _ in range(3)])
            if engine == "postgresql" and "baseline-large" not in skip:
                result["one_by_one_1000"] = figures([time_one_by_one(world, 1000)])
        finally:
            from django.db import connections

            connections.close_all()
            if engine == "postgresql":
                drop_database(server, BENCH_DB)
    print("RESULT " + json.dumps(result))
    return 0


# ---- the parent ---------------------------------------------------------------------------------


def run_engine(engine: str, args) -> dict:
    child = subprocess.run(  # noqa: S603 — this very script
        [
            sys.executable,
            __file__,
            "--engine",
            engine,
            "--server",
            args.server,
            "--runs",
            str(args.runs),
            "--skip",
            args.skip,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        sys.exit(f"{engine} run failed:\n{child.stderr[-4000:]}")
    line = next(line for line in child.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def table(report: dict) -> str:
    rows = [
        "| engine | readers × titles | loans | mass issue, median | queries | one by one (force_issue) | ratio |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for engine in ("postgresql", "sqlite"):
        result = report.get(engine)
        if not result:
            continue
        for readers in SIZES:
            mass = result[f"mass_{readers}"]
            single = result.get(f"one_by_one_{readers}")
            ratio = f"{single['median_s'] / mass['median_s']:.0f}×" if single else "—"
            rows.append(
                f"| {engine} | {readers} × {TITLES} | {readers * TITLES:,} | {mass['median_s']:.3f} s "
                f"(n={mass['runs']}) | {mass['queries']:,} | "
                f"{f'{single["median_s"]:.2f} s (n={single["runs"]})' if single else '—'} | {ratio} |"
            )
    return "\n".join(rows)


def main() -> int:
    args = parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if args.engine:
        return engine_child(args.engine, args.server, args.runs, skip)
    report = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine()}
    report["postgresql"] = run_engine("postgresql", args)
    if "sqlite" not in skip:
        report["sqlite"] = run_engine("sqlite", args)
    report["machine"]["loadavg_at_end"] = os.getloadavg()
    missed = [
        f"{readers} × {TITLES}: {report['postgresql'][f'mass_{readers}']['median_s']} s > {target} s"
        for readers, target in TARGETS_S.items()
        if report["postgresql"][f"mass_{readers}"]["median_s"] > target
    ]
    report["missed"] = missed
    print(json.dumps(report, indent=1))
    print(table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    for line in missed:
        print("TARGET MISSED:", line, file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
