"""Benchmark of the bulk registration of readers (SPEC A3): read + check + create + queue notices + credentials.

    .venv/bin/python bench/bulk_import.py                                   # SQLite file in a temp dir (WAL)
    .venv/bin/python bench/bulk_import.py --database-url postgres://postgres@127.0.0.1:5432/abonement_bench

Runs with the production settings (abonement.settings: DEBUG off, a random 50-character SECRET_KEY, the
production password hashers) against a fresh database: a temporary SQLite file, or a PostgreSQL database that
this script creates and drops (it refuses to touch a database that already exists). Each run imports new
readers into the same library, so later runs also meet the rows of earlier ones, as a real installation does.

Timed per run, through the same code the staff page calls:
  check     bulk.read_paste + bulk.check (two queries for e-mails and phones already in use)
  register  bulk.register: services.create_readers (cards, people, groups, events, one notice + task per
            reader) + the credentials xlsx + the library's notice with it, in one transaction
Targets: 1,000 rows ≤ 5 s median; 10,000 rows ≤ 60 s median.
"""

import argparse
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

TARGETS = {1_000: 5.0, 10_000: 60.0}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", help="postgres://user@host:port/NEW_DB (created and dropped); default: SQLite"
    )
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated row counts (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per size below 10,000 rows (default 5)")
    parser.add_argument("--large-runs", type=int, default=3, help="runs per size of 10,000 rows or more (default 3)")
    return parser.parse_args()


def configure_environment(data_dir: Path, database_url: str | None) -> str:
    for name in ("DEBUG", "DATABASE_URL", "EMAIL_URL", "SECRET_KEY"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "abonement.settings"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)[:50]
    os.environ["ABONEMENT_DATA_DIR"] = str(data_dir)
    os.environ["EMAIL_URL"] = "locmem://"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}"
    return os.environ["DATABASE_URL"]


def _maintenance_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        sys.exit(f"give the bench database a plain name, like .../abonement_bench (got {name!r})")
    return urlunsplit(parts._replace(path="/postgres")), name


def create_postgres_database(url: str) -> None:
    import psycopg

    maintenance, name = _maintenance_url(url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            sys.exit(f"database {name!r} already exists: give a new name, the bench drops its database at the end")
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_postgres_database(url: str) -> None:
    import psycopg

    maintenance, name = _maintenance_url(url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Rows:
    """Paste text of unique readers: e-mail only, phone only (SMS) or both; 40 groups across the library."""

    def __init__(self):
        self.serial = 0

    def paste(self, count: int) -> str:
        lines = ["Name\tBirth date\tE-mail\tPhone\tGroups"]
        for _ in range(count):
            n = self.serial
            self.serial += 1
            email = f"reader{n}@bench.example.org" if n % 3 != 2 else ""
            phone = f"3712{n:07d}" if n % 3 != 0 else ""
            groups = f"Class {n % 40}" + (", Chess club" if n % 10 == 0 else "")
            lines.append(
                f"Reader Number{n} Bērziņš\t{1 + n % 28:02d}.{1 + n % 12:02d}.{2005 + n % 12}\t{email}\t"
                f"{phone}\t{groups}"
            )
        return "\n".join(lines)


def run_once(*, library, librarian, text: str, size: int) -> tuple[float, float]:
    from abonement.readers import bulk

    started = time.perf_counter()
    checked = bulk.check(bulk.read_paste(text))
    checked_at = time.perf_counter()
    if not checked.ok:
        sys.exit(f"bench rows did not pass the check: {checked.errors[:3]}")
    registered = bulk.register(librarian=librarian, library=library, readers=checked.readers, language="ru")
    finished = time.perf_counter()
    assert len(registered.issued) == size and registered.credentials
    return checked_at - started, finished - checked_at


def hasher_baseline() -> tuple[float, float]:
    """Median seconds to hash one password: Django's default hasher vs the generated-password hasher."""
    from django.contrib.auth.hashers import make_password

    from abonement.accounts.hashers import hash_generated_password

    def timed(fn, n):
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            fn(secrets.token_urlsafe(12))
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    return timed(make_password, 5), timed(hash_generated_password, 200)


def describe(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    with tempfile.TemporaryDirectory(prefix="abonement-bench-") as tmp:
        url = configure_environment(Path(tmp), args.database_url)
        postgres = url.startswith(("postgres://", "postgresql://"))
        if postgres:
            create_postgres_database(url)
        try:
            return bench(sizes, args)
        finally:
            from django.db import connections

            connections.close_all()
            if postgres:
                drop_postgres_database(url)


def bench(sizes: list[int], args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from abonement.accounts.models import User
    from abonement.libraries.models import Library, Network, StaffMembership
    from abonement.notifications.models import Notice
    from abonement.readers.models import Card

    assert not settings.DEBUG and len(settings.SECRET_KEY) == 50
    call_command("migrate", verbosity=0)
    network = Network.objects.create(name="Bench network", slug="bench")
    library = Library.objects.create(network=network, name="Bench library", contact_email="library@bench.example.org")
    librarian = User.objects.create_user(username="bench-librarian", password=secrets.token_urlsafe(16))
    StaffMembership.objects.create(user=librarian, library=library)

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            db = f"SQLite {connection.Database.sqlite_version} (file, journal_mode={cursor.fetchone()[0]})"
        else:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
    print(f"Python {platform.python_version()}, Django {django.get_version()}, {db}")
    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    print(f"password hashers: {', '.join(h.rsplit('.', 1)[-1] for h in settings.PASSWORD_HASHERS)}")

    default_hash_s, generated_hash_s = hasher_baseline()
    print(
        f"baseline: one password with the default hasher {default_hash_s * 1000:.0f} ms, with the generated-password "
        f"hasher {generated_hash_s * 1000:.2f} ms (x{default_hash_s / generated_hash_s:.0f}); 1,000 readers would "
        f"spend {default_hash_s * 1000:.0f} s hashing alone with the default hasher"
    )

    rows = Rows()
    failed = False
    for size in sizes:
        runs = args.large_runs if size >= 10_000 else args.runs
        checks, registers, totals = [], [], []
        for run in range(1, runs + 1):
            text = rows.paste(size)
            check_s, register_s = run_once(library=library, librarian=librarian, text=text, size=size)
            checks.append(check_s)
            registers.append(register_s)
            totals.append(check_s + register_s)
            print(
                f"  {size:>6} rows, run {run}: check {check_s:.2f} s + register {register_s:.2f} s "
                f"= {check_s + register_s:.2f} s",
                flush=True,
            )
        target = TARGETS.get(size)
        verdict = "" if target is None else (" OK" if statistics.median(totals) <= target else " OVER TARGET")
        failed |= verdict == " OVER TARGET"
        print(
            f"{size:>6} rows × {runs}: total {describe(totals)}; check {describe(checks)}; "
            f"register {describe(registers)}; target {target} s{verdict}; "
            f"vs default-hasher baseline ({size * default_hash_s:.0f} s hashing alone): "
            f"x{size * default_hash_s / statistics.median(totals):.0f} faster"
        )
    print(f"created {Card.objects.count()} cards, {Notice.objects.count()} notices")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
