"""What every bench/ script shares: production settings in a scratch environment, its own PostgreSQL
database (created, refused when it exists, dropped), and the description of the machine and the database."""

import os
import platform
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SRC = Path(__file__).resolve().parent.parent / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def configure_environment(data_dir: Path, database_url: str) -> None:
    for name in ("DEBUG", "DATABASE_URL", "EMAIL_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "abonement.settings"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)[:50]
    os.environ["ABONEMENT_DATA_DIR"] = str(data_dir)
    os.environ["EMAIL_URL"] = "locmem://"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DATABASE_URL"] = database_url


def _url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_url(server, "postgres"), autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            sys.exit(f"database {name!r} already exists: the bench creates and drops its own (drop it first)")
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_url(server, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django() -> None:
    import django

    django.setup()


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        mem_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    except OSError:
        mem_kib = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg(),
    }


def describe_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            return f"SQLite {connection.Database.sqlite_version} (file, journal_mode={cursor.fetchone()[0]})"
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "synchronous_commit", "max_connections"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        return f"PostgreSQL {version} ({', '.join(f'{k}={v}' for k, v in settings.items())})"


def migrate() -> None:
    from django.conf import settings
    from django.core.management import call_command

    assert not settings.DEBUG and len(settings.SECRET_KEY) == 50
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


# ---- bulk data shared by the circulation benches ----------------------------------------------------------

UNUSABLE = "!"  # an unusable password hash: bench readers never sign in
BATCH = 5_000


def bulk_readers(count: int, *, prefix: str, number_from: int, library_of, language_of, batch: int = BATCH, **card):
    """`count` readers: a User `<prefix><i>` (no usable password) and a Card numbered from `number_from` in
    `library_of(i)`, speaking `language_of(i)`. `card` fields may be callables of i. Returns the cards."""
    from abonement.accounts.models import User
    from abonement.readers.models import Card

    cards = []
    for start in range(0, count, batch):
        indexes = range(start, min(start + batch, count))
        users = User.objects.bulk_create(
            User(username=f"{prefix}{i}", email=f"{prefix}{i}@bench.example.org", password=UNUSABLE, language=lang)
            for i, lang in ((i, language_of(i)) for i in indexes)
        )
        cards += Card.objects.bulk_create(
            Card(
                number=str(number_from + i),
                library=library_of(i),
                user=user,
                **{name: value(i) if callable(value) else value for name, value in card.items()},
            )
            for i, user in zip(indexes, users, strict=True)
        )
    return cards


def lend_in_bulk(lent: list, *, acquired_at, started_of, due_of, batch: int = BATCH) -> None:
    """Open paper loans without the desk: for each (item, card) of `lent` the item's Copy and a Loan started at
    `started_of(i)`, due at `due_of(i)`. The items' status is the caller's (set when it creates them, or after)."""
    from abonement.circulation.models import Copy, Loan

    for start in range(0, len(lent), batch):
        chunk = list(enumerate(lent[start : start + batch], start=start))
        copies = Copy.objects.bulk_create(
            Copy(library=item.library, title_id=item.title_id, item=item, acquired_at=acquired_at)
            for _i, (item, _card) in chunk
        )
        Loan.objects.bulk_create(
            Loan(
                copy=copy,
                card=card,
                library=item.library,
                title_id=item.title_id,
                is_free=True,
                started_at=started_of(i),
                due_at=due_of(i),
            )
            for copy, (i, (item, card)) in zip(copies, chunk, strict=True)
        )


def analyze() -> None:
    """Fresh planner statistics after the bulk inserts, as a database in use has."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
