"""Catalogue state changes: imports (the work is in importers/) and each library's part of the shared
catalogue (SPEC T3)."""

import logging
import re
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils.translation import gettext_lazy as _

from abonement.catalog import importers
from abonement.catalog.importers import normalize
from abonement.catalog.models import CatalogAccess, Genre, Tag, Title
from abonement.catalog.selectors import shared_titles
from abonement.core import events
from abonement.core.errors import DomainError, NotAllowed
from abonement.core.models import Event

log = logging.getLogger("abonement.catalog")

MAX_ISBNS = 10_000
CHUNK = 2000


class TooManyIsbns(DomainError):
    code = "too_many_isbns"
    status = 400
    message = _("At most %(max)d ISBNs at once.")


@dataclass
class SelectionChange:
    changed: int = 0
    not_found: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def parse_isbns(text: str) -> tuple[list[str], list[str]]:
    """(valid ISBNs, tokens that are not ISBNs) from text with ISBNs separated by spaces, commas or lines."""
    tokens = [t for t in re.split(r"[\s,;]+", text or "") if t]
    valid, invalid = [], []
    for token in tokens:
        isbn = normalize.isbn(token)
        if isbn and len(re.sub(r"[^0-9Xx]", "", token)) == len(isbn):
            valid.append(isbn)
        else:
            invalid.append(token)
    valid = list(dict.fromkeys(valid))
    if len(valid) > MAX_ISBNS:
        raise TooManyIsbns(max=MAX_ISBNS)
    return valid, invalid


def may_import_shared(user) -> bool:
    """Only the platform admin changes the shared digital catalogue: every network lends its titles."""
    return user.is_superuser


def import_catalog_file(
    file,
    *,
    format: str | None = None,  # noqa: A002
    network=None,
    library=None,
    libraries=None,
    source: str = "",
    batch_size: int = importers.DEFAULT_BATCH_SIZE,
    progress=None,
    actor=None,
) -> importers.ImportReport:
    """Import a catalogue file into the shared digital catalogue (`network` None) or a network's paper catalogue
    (items into the libraries the records name among `libraries`, else into `library`). NotACatalogFile when
    the file is not one. `libraries` are the ones the caller may change (a librarian's): other libraries' items
    are refused and titles they hold keep their details. NotAllowed when `actor` may not change the shared
    catalogue (None: the command line, run by whoever runs the installation). Callers check the network.
    Batches commit one by one: ImportInterrupted when the database refuses one (its `report` tells what the
    batches before imported). The import, whole or interrupted, is recorded as an Event (audit)."""
    if network is None and actor is not None and not may_import_shared(actor):
        raise NotAllowed(_("Only the platform admin imports into the shared digital catalogue."))

    def audit(report, **details):
        events.record(
            Event.Kind.CATALOG_IMPORTED,
            actor=actor,
            library=library,
            network=network.name if network else "",
            source=source,
            format=report.format,
            created=report.created,
            updated=report.updated,
            failed=report.failed,
            **details,
        )

    try:
        report = importers.import_file(
            file,
            format=format,
            source=source,
            network=network,
            library=library,
            libraries=libraries,
            batch_size=batch_size,
            progress=progress,
        )
    except importers.ImportInterrupted as error:
        try:
            audit(error.report, interrupted=True)
        except DatabaseError:
            # The database that stopped the import may refuse this row too; the librarian must still be told
            # what was imported, so the record goes to the log instead.
            log.exception("catalogue import interrupted, its audit record not written: %s", error.report.summary())
        raise
    audit(report)
    return report


def _changed(library, actor, action: str, changed: int) -> None:
    """The audit record of an operator's change to what a library may lend (SPEC T3)."""
    events.record(Event.Kind.CATALOG_SELECTION_CHANGED, actor=actor, library=library, action=action, changed=changed)


def _access(library) -> CatalogAccess:
    access, _created = CatalogAccess.objects.select_for_update().get_or_create(library=library)
    return access


@transaction.atomic
def set_whole_catalog(*, library, whole: bool, actor=None) -> CatalogAccess:
    """Let the library lend the whole shared catalogue, or only its selection (which is kept either way)."""
    access = _access(library)
    if access.whole_catalog != whole:
        access.whole_catalog = whole
        access.save(update_fields=["whole_catalog"])
        _changed(library, actor, "whole_catalog" if whole else "selection_only", 0)
    return access


def _add(access: CatalogAccess, title_ids) -> int:
    link = CatalogAccess.titles.through
    title_ids = list(title_ids)
    added = 0
    for start in range(0, len(title_ids), CHUNK):
        chunk = title_ids[start : start + CHUNK]
        present = set(link.objects.filter(catalogaccess=access, title_id__in=chunk).values_list("title_id", flat=True))
        rows = [link(catalogaccess=access, title_id=pk) for pk in chunk if pk not in present]
        link.objects.bulk_create(rows, ignore_conflicts=True)
        added += len(rows)
    return added


@transaction.atomic
def add_by_isbn(*, library, isbns: list[str], actor=None) -> SelectionChange:
    access = _access(library)
    rows = list(shared_titles().filter(isbn__in=isbns).values_list("isbn", "id"))
    found = {isbn for isbn, _pk in rows}
    added = _add(access, [pk for _isbn, pk in rows])
    _changed(library, actor, "add_isbn", added)
    return SelectionChange(changed=added, not_found=[i for i in isbns if i not in found])


@transaction.atomic
def add_by_genre(*, library, genre: Genre, actor=None) -> SelectionChange:
    access = _access(library)
    added = _add(access, shared_titles().filter(genres=genre).values_list("id", flat=True))
    _changed(library, actor, "add_genre", added)
    return SelectionChange(changed=added)


@transaction.atomic
def add_by_tag(*, library, name: str, actor=None) -> SelectionChange:
    """Every shared title with a tag of this name, in any letter case ("Vasara", "vasara")."""
    access = _access(library)
    tags = Tag.objects.filter(name__iexact=name.strip())
    ids = shared_titles().filter(tags__in=tags).values_list("id", flat=True).distinct()
    added = _add(access, ids)
    _changed(library, actor, "add_tag", added)
    return SelectionChange(changed=added)


@transaction.atomic
def add_titles(*, library, titles, actor=None) -> SelectionChange:
    access = _access(library)
    ids = [t.pk if isinstance(t, Title) else t for t in titles]
    added = _add(access, shared_titles().filter(pk__in=ids).values_list("id", flat=True))
    _changed(library, actor, "add_titles", added)
    return SelectionChange(changed=added)


@transaction.atomic
def remove_by_isbn(*, library, isbns: list[str], actor=None) -> SelectionChange:
    access = _access(library)
    link = CatalogAccess.titles.through
    found = set(shared_titles().filter(isbn__in=isbns).values_list("isbn", flat=True))
    removed, _ = link.objects.filter(catalogaccess=access, title__isbn__in=isbns).delete()
    _changed(library, actor, "remove_isbn", removed)
    return SelectionChange(changed=removed, not_found=[i for i in isbns if i not in found])


@transaction.atomic
def clear_selection(*, library, actor=None) -> int:
    access = _access(library)
    removed, _ = CatalogAccess.titles.through.objects.filter(catalogaccess=access).delete()
    _changed(library, actor, "clear", removed)
    return removed
