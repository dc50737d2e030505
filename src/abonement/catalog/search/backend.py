"""Everything that differs between SQLite and PostgreSQL in search lives here, and only here.

- term columns compare byte-wise: COLLATE "C" on PostgreSQL (SQLite's default BINARY already does), so a
  prefix is a range scan (`term >= 'abc' AND term < 'abd'`) under any database locale;
- the posting table is WITHOUT ROWID on SQLite (the table is its key: half the size, clustered reads);
  a later migration that rebuilds the table on SQLite would quietly drop that, which costs speed only;
- bulk loading: COPY … FREEZE on PostgreSQL, executemany on the raw sqlite3 connection, with the
  secondary indexes (and PostgreSQL's primary keys) dropped during the load and rebuilt after;
- statistics after a load: ANALYZE on both; SQLite connections read through a memory map (tune_connection);
- a long list of ids is one parameter: an array (PostgreSQL) or a JSON list read by json_each (SQLite).

The query SQL itself is one text for both engines (query.py).
"""

import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connection, models, transaction


class TermField(models.CharField):
    """A CharField compared byte-wise on every engine."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def vendor() -> str:
    return connection.vendor


SQLITE_MMAP_BYTES = 2_000_000_000


def tune_connection(sender, connection, **kwargs):
    """SQLite reads the index (and titles) through a memory map: random lookups then cost no system call
    and share the OS page cache between processes; without it a search spends most of its time in read()
    past SQLite's 2 MB page cache. Applies to every SQLite connection of the site (harmless elsewhere)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")


def in_ids(column: str, ids: Sequence[int]) -> tuple[str, list]:
    """`column` is one of many ids, as one parameter: an array on PostgreSQL, a JSON list on SQLite."""
    if vendor() == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(ids))]  # noqa: S608


@contextmanager
def search_session():
    """Around one search. PostgreSQL: in a transaction, with planner settings for a few thousand index
    probes on a cached catalogue (random_page_cost 1.1 — else it hashes the whole title table for 3,000
    candidates) and no JIT (compiling costs more than these queries run). SQLite: nothing (a transaction
    there would take the write lock: IMMEDIATE mode)."""
    if vendor() != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute("SET LOCAL jit = off")
        yield


# --- Migration helpers -----------------------------------------------------------------------------------
def create_posting_table(apps, schema_editor):
    model = apps.get_model("catalog_search", "Posting")
    if schema_editor.connection.vendor != "sqlite":
        schema_editor.create_model(model)
        return
    sql, params = schema_editor.table_sql(model)
    schema_editor.execute(f"{sql} WITHOUT ROWID", params or None)
    for index in model._meta.indexes:
        schema_editor.add_index(model, index)


def drop_posting_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("catalog_search", "Posting"))


# --- Bulk loading ----------------------------------------------------------------------------------------
def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, fields: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)


def _pk_columns(model) -> list[str] | None:
    pk = model._meta.pk
    if isinstance(pk, models.CompositePrimaryKey):
        return [field.column for field in pk.fields]
    return None


@contextmanager
def bulk_load(index_models: Sequence[type[models.Model]]):
    """Empty these tables and load them fast; indexes are rebuilt and statistics refreshed at the end.
    Call inside a transaction: readers keep seeing the old index until it commits (SQLite WAL; on
    PostgreSQL TRUNCATE locks the tables until then)."""
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("TRUNCATE " + ", ".join(_table(m) for m in index_models))
        else:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB for index builds, this connection only
            for model in index_models:
                cursor.execute(f"DELETE FROM {_table(model)}")  # noqa: S608 — names from model meta
    # Statements from Django's schema editor, run on our cursor: entering the editor is refused inside a
    # transaction on SQLite (foreign key checks), and we want the whole load in one transaction.
    editor = connection.schema_editor(collect_sql=True)
    pg = vendor() == "postgresql"
    with connection.cursor() as cursor:
        for model in index_models:
            for index in model._meta.indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(index.name)}")
            if pg and _pk_columns(model):
                cursor.execute(f"ALTER TABLE {_table(model)} DROP CONSTRAINT {_pk_name(model)}")
    yield Loader()
    with connection.cursor() as cursor:
        for model in index_models:
            if pg and (columns := _pk_columns(model)):
                quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                cursor.execute(f"ALTER TABLE {_table(model)} ADD CONSTRAINT {_pk_name(model)} PRIMARY KEY ({quoted})")
            for index in model._meta.indexes:
                cursor.execute(str(index.create_sql(model, editor)))
    analyze(index_models)


def _pk_name(model) -> str:
    return connection.ops.quote_name(f"{model._meta.db_table}_pkey")


class Loader:
    """Writes many rows into one table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, *, freeze: bool = True):
        self.freeze = freeze

    def rows(self, model, fields: Sequence[str], rows: Iterable[Sequence]) -> None:
        columns = _columns(model, fields)
        if vendor() == "postgresql":
            # FREEZE (tables truncated in this transaction): rows are written frozen and the visibility map
            # is set, so index-only scans work before any VACUUM.
            options = " (FREEZE)" if self.freeze else ""
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {_table(model)} ({columns}) FROM STDIN{options}") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            connection.ensure_connection()
            marks = ", ".join("?" * len(fields))
            sql = f"INSERT INTO {_table(model)} ({columns}) VALUES ({marks})"  # noqa: S608 — names from model meta
            connection.connection.executemany(sql, rows)


def vacuum(index_models: Sequence[type[models.Model]]) -> None:
    """After a rebuild, outside any transaction: PostgreSQL marks pages all-visible (index-only scans),
    SQLite folds the write-ahead log back into the database file."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            for model in index_models:
                cursor.execute(f"VACUUM (ANALYZE) {_table(model)}")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def analyze(index_models: Sequence[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        if vendor() == "sqlite":
            # Sample each index instead of reading all of it (10 M postings): the planner needs proportions.
            cursor.execute("PRAGMA analysis_limit = 2000")
        for model in index_models:
            cursor.execute(f"ANALYZE {_table(model)}")
