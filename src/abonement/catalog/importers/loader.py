"""Writing imported records: batches, a handful of queries per batch whatever its size, one transaction each.

For each batch the loader
1. checks what the scope allows (paper titles and their items in a network, digital titles in the shared
   catalogue) and resolves item libraries and barcodes, failing single records with a reason;
2. matches records to existing titles of the same catalogue: by (source, control number), then by ISBN,
   then — only for records with neither — by format, title, first author and year;
3. finds or creates authors, series, genres and tags by name;
4. creates new titles with bulk_create, updates changed ones with bulk_update, replaces changed author,
   genre and tag links, creates or updates items by barcode;
5. hands the ids of created and changed titles to the search indexer, in the same transaction.

A record that changes nothing writes nothing (so re-running an import, or the demo, is a no-op).

Titles and their links are written with plain multi-row INSERT and UPDATE statements rather than model
instances: the benchmark imports 400,000 titles, and building that many model objects costs more than the
database work. Everything else (and every read) goes through the ORM.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext
from pymarc import Record

from abonement.catalog.importers import marc
from abonement.catalog.importers.base import (
    SCALAR_FIELDS,
    ImportInterrupted,
    ImportReport,
    Position,
    RecordError,
    RecordProblem,
    TitleData,
)
from abonement.catalog.models import Author, Format, Genre, Item, Series, Tag, Title, TitleAuthor
from abonement.catalog.search import indexer
from abonement.core import clock
from abonement.readers.models import Card

log = logging.getLogger("abonement.catalog")

DEFAULT_BATCH_SIZE = 2000
# SQLite has one writer at a time: a long import lets the others in for SQLITE_PAUSE_SECONDS after each
# SQLITE_HOLD_SECONDS of writing (so it takes up to a tenth longer; others wait about a second at most).
SQLITE_HOLD_SECONDS = 1.0
SQLITE_PAUSE_SECONDS = 0.12
TITLE_COLUMNS = (
    "network_id",
    "format",
    "title",
    "series_id",
    "series_number",
    "description",
    "language",
    "publisher",
    "year",
    "isbn",
    "age_rating",
    "pages",
    "illustrations",
    "duration_seconds",
    "cover",
    "content",
    "price",
    "is_free",
    "rating_average",
    "rating_count",
    "review_count",
    "popularity",
    "source",
    "control_number",
    "created_at",
    "updated_at",
)
# What an import may change on an existing title (and so what is read to compare).
UPDATED_COLUMNS = (*SCALAR_FIELDS, "series_id", "source", "control_number")
# Fields copied as they are; price, free flag and format go through their own rules.
PLAIN_FIELDS = tuple(name for name in SCALAR_FIELDS if name not in {"price", "is_free", "format"})


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple], returning: bool = False) -> list[int]:
    """Insert rows; the new ids, in order, when `returning`. PostgreSQL: ids from the sequence, then COPY.
    SQLite: multi-row INSERT … RETURNING in chunks within its parameter limit."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(table, columns, rows, returning)
    quote = connection.ops.quote_name
    per_statement = max(1, min(1000, (connection.features.max_query_params or 999) // len(columns)))
    # Table and column names come from model metadata, quoted; every value is a bound parameter.
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    tail = f" RETURNING {quote('id')}" if returning else ""
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _copy(table: str, columns: tuple[str, ...], rows: list[tuple], returning: bool) -> list[int]:
    from psycopg import sql

    connection.ensure_connection()
    ids: list[int] = []
    with connection.connection.cursor() as cursor:
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns = ("id", *columns)
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    return ids


def _select(table: str, columns: tuple[str, ...], column: str, values) -> list[dict]:
    """Rows whose `column` is one of `values`, as dicts, newest id first: one array parameter on PostgreSQL
    (planning a 2,000-item IN list costs more than running it), an IN list on SQLite."""
    values = list(values)
    if not values:
        return []
    quote = connection.ops.quote_name
    head = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} WHERE {quote(column)}"  # noqa: S608
    if connection.vendor == "postgresql":
        sql, params = f"{head} = ANY(%s)", [values]
    else:
        sql, params = f"{head} IN ({', '.join(['%s'] * len(values))})", values
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY {quote('id')} DESC", params)
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    if connection.vendor == "sqlite":  # SQLite hands booleans back as integers
        for row in rows:
            if "is_free" in row:
                row["is_free"] = bool(row["is_free"])
    return rows


def _update(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """UPDATE … WHERE id = %s for each row (values of `columns`, then the id)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    sql = f"UPDATE {quote(table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 — names from model metadata
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@dataclass
class _Work:
    """A title being imported in this batch (a dict of its columns), with its links as they are now."""

    title: dict
    new: bool
    authors: list[tuple[int, str]] = field(default_factory=list)
    genres: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)  # changed plain fields
    links: set[str] = field(default_factory=set)  # changed links: authors, genres, tags
    items: list = field(default_factory=list)  # (ItemData, Library) to create or update
    counted: bool = False  # a new title counts as created once, for the record that brought it
    kept: bool = False  # held by libraries outside the import's: its details and links stay as they are


def _fold(value: str) -> str:
    return " ".join(value.split()).casefold()


class Loader:
    def __init__(self, *, source, network, library, libraries, report: ImportReport, now):
        self.source = source
        self.network = network
        self.library = library
        self.report = report
        self.now = now
        self.libraries = {}
        # `libraries` given: the caller (a librarian) may change only those libraries' items, and only titles
        # no other library holds items of. None: the whole network (its operator, the command line).
        self.whole_network = libraries is None
        self.library_ids: set[int] = set()
        if network is not None:
            allowed = list(libraries) if libraries is not None else list(network.libraries.all())
            for lib in allowed:
                self.libraries[str(lib.pk)] = lib
                self.libraries[_fold(lib.name)] = lib
            self.library_ids = {lib.pk for lib in allowed}
            self.library_names = sorted({lib.name for lib in allowed})
        self.barcodes_seen: dict[str, Position] = {}

    # ---- scope and items -------------------------------------------------------------------------

    def _scope(self):
        if self.network is None:
            return Title.objects.filter(network__isnull=True)
        return Title.objects.filter(network=self.network)

    def _check_scope(self, rec: TitleData) -> None:
        if self.network is not None:
            if rec.format not in (None, Format.PAPER):
                raise RecordProblem(
                    gettext(
                        "format %(format)s: digital titles belong to the shared catalogue, not to a network's "
                        "catalogue of paper books"
                    )
                    % {"format": rec.format}
                )
            rec.format = Format.PAPER
            return
        if rec.format == Format.PAPER:
            raise RecordProblem(gettext("paper books are catalogued in a network: import them into a network"))
        if rec.items:
            raise RecordProblem(
                gettext("items (barcode %(barcode)s) belong to paper books: import paper books into a network")
                % {"barcode": rec.items[0].barcode}
            )

    def _resolve_items(self, rec: TitleData) -> list:
        resolved = []
        for item in rec.items:
            if item.library:
                library = self.libraries.get(item.library.strip()) or self.libraries.get(_fold(item.library))
                if library is None:
                    raise RecordProblem(
                        gettext("library “%(name)s” of item %(barcode)s is not one of: %(names)s")
                        % {
                            "name": item.library,
                            "barcode": item.barcode,
                            "names": ", ".join(self.library_names[:10]) or "—",
                        }
                    )
            elif self.library is not None:
                library = self.library
            else:
                raise RecordProblem(
                    gettext("item %(barcode)s names no library (one of: %(names)s)")
                    % {"barcode": item.barcode, "names": ", ".join(self.library_names[:10]) or "—"}
                )
            first = self.barcodes_seen.get(item.barcode)
            if first is not None and first != rec.position:
                raise RecordProblem(
                    gettext("barcode %(barcode)s was already given in %(position)s")
                    % {"barcode": item.barcode, "position": first}
                )
            resolved.append((item, library))
        for item, _library in resolved:
            self.barcodes_seen[item.barcode] = rec.position
        return resolved

    # ---- one batch -------------------------------------------------------------------------------

    def flush(self, batch: list[TitleData]) -> None:
        if not batch:
            return
        report = self.report
        ready: list[tuple[TitleData, list]] = []
        for rec in batch:
            try:
                self._check_scope(rec)
                ready.append((rec, self._resolve_items(rec) if self.network is not None else []))
            except RecordProblem as problem:
                report.fail(RecordError(rec.position, str(problem)))

        existing_items = {}
        barcodes = [item.barcode for _rec, items in ready for item, _lib in items]
        if barcodes:
            for item in Item.objects.filter(barcode__in=barcodes).select_related("title", "library"):
                existing_items[item.barcode] = item
            # The desk's one input takes a card number or an item barcode: a code may be only one of the two.
            card_numbers = set(Card.objects.filter(number__in=barcodes).values_list("number", flat=True))
            kept = []
            for rec, items in ready:
                problems = (
                    gettext("barcode %(barcode)s is a reader card number: an item and a card cannot share a code")
                    % {"barcode": item.barcode}
                    if item.barcode in card_numbers
                    else self._foreign_item(existing_items.get(item.barcode))
                    for item, _library in items
                )
                problem = next(filter(None, problems), None)
                if problem:
                    report.fail(RecordError(rec.position, problem))
                else:
                    kept.append((rec, items))
            ready = kept
        if not ready:
            return

        works = self._match([rec for rec, _items in ready])
        ids = self._related([rec for rec, _items in ready])
        touched: dict[int, _Work] = {}
        for (rec, items), work in zip(ready, works, strict=True):
            changed = self._apply(rec, work, ids)
            touched[id(work)] = work
            if work.new and not work.counted:
                work.counted = True
                report.created += 1
            elif changed:
                report.updated += 1
            else:
                report.unchanged += 1
            work.items.extend(items)
        self._write(list(touched.values()), existing_items)

    def _foreign_item(self, item: Item | None) -> str | None:
        """Why the import may not change this existing item (matched by its barcode), or None when it may."""
        if item is None:
            return None
        if item.title.network_id != self.network.pk:
            return gettext("barcode %(barcode)s is already used by another catalogue's item") % {
                "barcode": item.barcode
            }
        if item.library_id not in self.library_ids:
            return gettext(
                "barcode %(barcode)s is already used by an item of %(library)s, and only that library's staff "
                "can change it"
            ) % {"barcode": item.barcode, "library": item.library.name}
        return None

    # ---- matching --------------------------------------------------------------------------------

    def _match(self, records: list[TitleData]) -> list[_Work]:
        # Looked up by the indexed column alone and narrowed to this catalogue here: with "network IS NULL"
        # in the query SQLite prefers the network index, which matches every shared title.
        network_id = self.network.pk if self.network is not None else None
        read = ("id", "network_id", *UPDATED_COLUMNS)

        def ours(column, values):
            return [t for t in _select(Title._meta.db_table, read, column, values) if t["network_id"] == network_id]

        keys = {(rec.source or self.source, rec.control_number) for rec in records if rec.control_number}
        by_cn, by_isbn, by_work = {}, {}, {}
        found: dict[int, dict] = {}
        if keys:
            for title in ours("control_number", {c for _s, c in keys}):
                if (title["source"], title["control_number"]) in keys:
                    by_cn[(title["source"], title["control_number"])] = found.setdefault(title["id"], title)
        isbns = {rec.isbn for rec in records if rec.isbn}
        if isbns:
            for title in ours("isbn", isbns):
                by_isbn[title["isbn"]] = found.setdefault(title["id"], title)  # the oldest wins
        loose = [rec for rec in records if not rec.control_number and not rec.isbn]
        if loose:
            candidates = ours("title", {rec.title for rec in loose})
            first_author = {}
            for title_id, name in (
                TitleAuthor.objects.filter(title_id__in=[c["id"] for c in candidates], role="")
                .order_by("-position", "-id")
                .values_list("title_id", "author__name")
            ):
                first_author[title_id] = name
            for title in candidates:
                key = (title["format"], _fold(title["title"]), _fold(first_author.get(title["id"], "")), title["year"])
                by_work[key] = found.setdefault(title["id"], title)

        links = self._links(list(found))
        held_elsewhere = set()
        if found and not self.whole_network:
            held_elsewhere = set(
                Item.objects.filter(title_id__in=list(found))
                .exclude(library_id__in=self.library_ids)
                .values_list("title_id", flat=True)
                .distinct()
            )
        works: dict[int, _Work] = {}

        def existing(title: dict | None) -> _Work | None:
            if title is None:
                return None
            if title["id"] not in works:
                authors, genres, tags = links.get(title["id"], ([], [], []))
                works[title["id"]] = _Work(
                    title=title,
                    new=False,
                    authors=authors,
                    genres=genres,
                    tags=tags,
                    kept=title["id"] in held_elsewhere,
                )
            return works[title["id"]]

        pending: dict[tuple, _Work] = {}
        result = []
        for rec in records:
            cn_key, isbn_key, work_key = self._keys(rec)
            work = None
            if cn_key:
                work = pending.get(cn_key) or existing(by_cn.get(cn_key[1:]))
            if work is None and isbn_key:
                work = pending.get(isbn_key) or existing(by_isbn.get(rec.isbn))
            if work is None and not cn_key and not isbn_key:
                work = pending.get(work_key) or existing(by_work.get(work_key[1:]))
            if work is None:
                work = _Work(title=self._new_title(rec), new=True)
            for key in (cn_key, isbn_key, work_key):
                if key:
                    pending.setdefault(key, work)
            result.append(work)
        return result

    def _keys(self, rec: TitleData) -> tuple[tuple | None, tuple | None, tuple]:
        """Matching keys: (source, control number), ISBN, and the loose (format, title, author, year)."""
        cn_key = ("cn", rec.source or self.source, rec.control_number) if rec.control_number else None
        isbn_key = ("isbn", rec.isbn) if rec.isbn else None
        first = next((a.name for a in rec.authors or [] if not a.role), "")
        work_key = ("work", rec.format or Format.EBOOK, _fold(rec.title), _fold(first), rec.year)
        return cn_key, isbn_key, work_key

    def _links(self, title_ids: list[int]) -> dict[int, tuple[list, list, list]]:
        links: dict[int, tuple[list, list, list]] = defaultdict(lambda: ([], [], []))
        if not title_ids:
            return links
        for title_id, author_id, role in (
            TitleAuthor.objects.filter(title_id__in=title_ids)
            .order_by("position", "id")
            .values_list("title_id", "author_id", "role")
        ):
            links[title_id][0].append((author_id, role))
        for title_id, genre_id in Title.genres.through.objects.filter(title_id__in=title_ids).values_list(
            "title_id", "genre_id"
        ):
            links[title_id][1].append(genre_id)
        for title_id, tag_id in Title.tags.through.objects.filter(title_id__in=title_ids).values_list(
            "title_id", "tag_id"
        ):
            links[title_id][2].append(tag_id)
        return links

    def _new_title(self, rec: TitleData) -> dict:
        paper = rec.format == Format.PAPER
        return {
            "id": None,
            "network_id": self.network.pk if self.network is not None else None,
            "format": rec.format or Format.EBOOK,
            "title": rec.title,
            "series_id": None,
            "series_number": None,
            "description": "",
            "language": "",
            "publisher": "",
            "year": None,
            "isbn": "",
            "age_rating": 0,
            "pages": None,
            "illustrations": None,
            "duration_seconds": None,
            "cover": "",
            "content": "",
            "price": 0 if paper else 1,
            "is_free": False,
            "rating_average": 0,
            "rating_count": 0,
            "review_count": 0,
            "popularity": 0,
            "source": (rec.source or self.source) if rec.control_number else "",
            "control_number": rec.control_number,
            "created_at": self.now,
            "updated_at": self.now,
        }

    # ---- authors, series, genres, tags -----------------------------------------------------------

    def _related(self, records: list[TitleData]) -> dict[str, dict[str, int]]:
        authors: dict[str, str] = {}
        series, genres, tags = set(), set(), set()
        for rec in records:
            for author in rec.authors or []:
                authors.setdefault(author.name, author.sort_name)
            if rec.series:
                series.add(rec.series)
            genres.update(rec.genres or [])
            tags.update(rec.tags or [])
        return {
            "authors": self._named(
                Author, authors, lambda name: {"name": name, "sort_name": authors[name], "description": ""}
            ),
            "series": self._named(Series, series, lambda name: {"name": name}),
            "genres": self._named(Genre, genres, lambda name: Genre(name=name), unique=True),
            "tags": self._named(Tag, tags, lambda name: Tag(name=name), unique=True),
        }

    @staticmethod
    def _named(model, names, make, unique=False) -> dict[str, int]:
        if not names:
            return {}
        ids: dict[str, int] = {}
        for row in _select(model._meta.db_table, ("id", "name"), "name", names):
            ids[row["name"]] = row["id"]  # the oldest of namesakes
        missing = [name for name in names if name not in ids]
        if missing:
            if unique:  # another import may create the same genre at the same moment
                model.objects.bulk_create([make(name) for name in missing], ignore_conflicts=True)
                ids.update(
                    (row["name"], row["id"]) for row in _select(model._meta.db_table, ("id", "name"), "name", missing)
                )
            else:
                rows = [make(name) for name in missing]
                new_ids = _insert(model._meta.db_table, tuple(rows[0]), [tuple(r.values()) for r in rows], True)
                ids.update(zip(missing, new_ids, strict=True))
        return ids

    # ---- applying a record to its title ------------------------------------------------------------

    def _apply(self, rec: TitleData, work: _Work, ids) -> bool:
        title = work.title
        values = {name: getattr(rec, name) for name in PLAIN_FIELDS if getattr(rec, name) is not None}
        if rec.format is not None:
            values["format"] = rec.format
        if rec.series is not None:
            values["series_id"] = ids["series"].get(rec.series) if rec.series else None
            if not rec.series:
                values["series_number"] = None
        price, is_free = title["price"], title["is_free"]
        if rec.is_free is not None:
            is_free = rec.is_free
        if rec.price is not None:
            price = rec.price
            if rec.is_free is None and price > 0:
                is_free = False
        if is_free:
            price = 0
        if title["format"] != Format.PAPER:
            values["price"], values["is_free"] = price, is_free
        if rec.control_number and not title["control_number"]:
            values["source"], values["control_number"] = rec.source or self.source, rec.control_number

        fields = {name: value for name, value in values.items() if title[name] != value}
        links = {}
        if rec.authors is not None:
            authors = []
            for author in rec.authors:
                pair = (ids["authors"][author.name], author.role)
                if pair not in authors:
                    authors.append(pair)
            if authors != work.authors:
                links["authors"] = authors
        for name in ("genres", "tags"):
            names = getattr(rec, name)
            if names is not None:
                wanted = list(dict.fromkeys(ids[name][n] for n in names))
                if sorted(wanted) != sorted(getattr(work, name)):
                    links[name] = wanted
        if not fields and not links:
            return False
        if work.kept:
            # One library's file must not rename or re-describe a title other libraries of the network hold.
            self.report.warn(
                RecordError(
                    rec.position,
                    gettext(
                        "“%(title)s” is also held by other libraries of the network: its details were left as they "
                        "are (the network's operator can change them)"
                    )
                    % {"title": title["title"]},
                )
            )
            return False
        title.update(fields)
        work.fields.update(fields)
        for name, value in links.items():
            setattr(work, name, value)
            work.links.add(name)
        return True

    # ---- writing -----------------------------------------------------------------------------------

    def _write(self, works: list[_Work], existing_items: dict[str, Item]) -> None:
        new = [w for w in works if w.new]
        changed = [w for w in works if not w.new and (w.fields or w.links)]
        adapt = connection.ops.adapt_datetimefield_value
        if new:
            rows = []
            for w in new:
                row = dict(w.title, created_at=adapt(self.now), updated_at=adapt(self.now))
                rows.append(tuple(row[c] for c in TITLE_COLUMNS))
            for w, pk in zip(new, _insert(Title._meta.db_table, TITLE_COLUMNS, rows, returning=True), strict=True):
                w.title["id"] = pk
        if changed:
            now = adapt(self.now)
            columns = (*UPDATED_COLUMNS, "updated_at")
            _update(
                Title._meta.db_table,
                columns,
                [(*(w.title[c] for c in UPDATED_COLUMNS), now, w.title["id"]) for w in changed],
            )

        replaced = {name: [w.title["id"] for w in changed if name in w.links] for name in ("authors", "genres", "tags")}
        if replaced["authors"]:
            TitleAuthor.objects.filter(title_id__in=replaced["authors"]).delete()
        if replaced["genres"]:
            Title.genres.through.objects.filter(title_id__in=replaced["genres"]).delete()
        if replaced["tags"]:
            Title.tags.through.objects.filter(title_id__in=replaced["tags"]).delete()
        relinked = new + [w for w in changed if w.links]
        _insert(
            TitleAuthor._meta.db_table,
            ("title_id", "author_id", "role", "position"),
            [
                (w.title["id"], author_id, role, i)
                for w in relinked
                if w.new or "authors" in w.links
                for i, (author_id, role) in enumerate(w.authors)
            ],
        )
        _insert(
            Title.genres.through._meta.db_table,
            ("title_id", "genre_id"),
            [(w.title["id"], g) for w in relinked if w.new or "genres" in w.links for g in w.genres],
        )
        _insert(
            Title.tags.through._meta.db_table,
            ("title_id", "tag_id"),
            [(w.title["id"], t) for w in relinked if w.new or "tags" in w.links for t in w.tags],
        )
        self._write_items(works, existing_items)
        indexed = [w.title["id"] for w in new + changed]
        if indexed:
            indexer.index_titles(indexed)

    def _write_items(self, works: list[_Work], existing_items: dict[str, Item]) -> None:
        create, update = [], []
        for work in works:
            for item, library in work.items:
                current = existing_items.get(item.barcode)
                if current is None:
                    create.append(
                        Item(
                            title_id=work.title["id"],
                            library=library,
                            barcode=item.barcode,
                            fund=item.fund,
                            shelf_mark=item.shelf_mark,
                        )
                    )
                    continue
                wanted = {
                    "title_id": work.title["id"],
                    "library_id": library.pk,
                    "fund": item.fund,
                    "shelf_mark": item.shelf_mark,
                }
                if any(getattr(current, k) != v for k, v in wanted.items()):
                    for k, v in wanted.items():
                        setattr(current, k, v)
                    update.append(current)
        if create:
            Item.objects.bulk_create(create, batch_size=1000)
            self.report.items_created += len(create)
        if update:
            Item.objects.bulk_update(update, ["title_id", "library_id", "fund", "shelf_mark"], batch_size=1000)
            self.report.items_updated += len(update)


def import_records(
    records: Iterable[TitleData | RecordError | Record],
    *,
    source: str,
    network=None,
    library=None,
    libraries=None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[ImportReport], None] | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Import titles into the shared digital catalogue (`network` None) or a network's paper catalogue.

    `records` yields TitleData, pymarc Records (mapped by their field layout) or RecordErrors (counted as
    failed). Items go to the library their record names (by name or id, among `libraries`, by default all
    of the network's) or to `library`; `libraries` given, other libraries' items and titles are not changed.
    Bad records are reported and skipped.

    Each batch is its own transaction, so that a long import leaves the database to other writers between
    batches (on SQLite one writer at a time: a 40,000-title import in one transaction locked out logins and
    the worker for half a minute). A batch is all or nothing: when the database refuses one, the import stops
    there with ImportInterrupted — what the batches before wrote stays, and importing the file again
    finishes the job (records match what is already there).
    """
    report = report or ImportReport()
    now = clock.now()
    loader = Loader(source=source, network=network, library=library, libraries=libraries, report=report, now=now)
    held = 0.0  # seconds the import has held SQLite's write lock since it last let others in

    def flush(batch: list[TitleData]) -> None:
        nonlocal held
        if not batch:
            return
        mark = report.mark()
        started = time.monotonic()
        try:
            with transaction.atomic():
                loader.flush(batch)
        except DatabaseError as error:
            report.rewind(mark)  # the batch's counts went with its rollback
            log.warning("catalogue import interrupted at %s: %s", batch[0].position, error)
            raise ImportInterrupted(report=report, position=batch[0].position) from error
        held += time.monotonic() - started

    def let_others_write() -> None:
        """SQLite writers waiting on the busy timeout poll every 100 ms and would miss the instant between two
        batches: after each second of holding the lock, the import leaves it free for a little longer."""
        nonlocal held
        if connection.vendor == "sqlite" and held >= SQLITE_HOLD_SECONDS:
            time.sleep(SQLITE_PAUSE_SECONDS)
            held = 0.0

    batch: list[TitleData] = []
    for entry in records:
        report.read += 1
        if isinstance(entry, RecordError):
            report.fail(entry)
            continue
        if isinstance(entry, Record):
            position = Position(number=report.read)
            try:
                _layout, entry = marc.to_title(entry, position, None)
            except RecordProblem as problem:
                report.fail(RecordError(position, str(problem)))
                continue
        batch.append(entry)
        if len(batch) >= batch_size:
            flush(batch)
            batch = []
            let_others_write()
            if progress:
                progress(report)
    flush(batch)
    if progress:
        progress(report)
    return report
