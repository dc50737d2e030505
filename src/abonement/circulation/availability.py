"""Whether a title can be had now and whether it is in a library's fund: one rule for the book page and for
search's facets "Available now" and "In my library's fund" (issue #13: they disagreed).

Each rule is one SQL expression over a title row aliased `t`, so search computes it for all its candidates in
the statement that finds them (set-based, the database probes indexes per candidate) and the book page runs it
for one title. Table names come from the models; every value is a parameter.
"""

from django.db import connection

from abonement.catalog.models import CatalogAccess, Format, Item, Title
from abonement.circulation.models import Copy, Loan
from abonement.libraries.models import Library


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def available_sql(libraries: list[int]) -> tuple[str, list]:
    """1 when a reader of one of `libraries` can have the title now, else 0 — what makes the book page offer
    "Take" rather than the queue (circulation.shelf.action_for):
    - a paper title: an item on the shelf (reserved at a library, the paper lending issue);
    - a free title: always (its copy costs nothing);
    - a paid one: a copy of the library nobody has on loan, or one the library may buy by self-service
      (policies.may_acquire_by_self_service) within the part of the catalogue it lends (services.lendable_by).
    Without libraries (a visitor not signed in) only free titles and paper on the shelf count."""
    copy, loan, library = _table(Copy), _table(Loan), _table(Library)
    access, selected = _table(CatalogAccess), _table(CatalogAccess.titles.through)
    paper = f"COALESCE((SELECT 1 FROM {_table(Item)} i WHERE i.title_id = t.id AND i.status = %s LIMIT 1), 0)"  # noqa: S608
    params = [Format.PAPER.value, Item.Status.ON_SHELF.value, True]
    if not libraries:
        return f"(CASE WHEN t.format = %s THEN {paper} WHEN t.is_free = %s THEN 1 ELSE 0 END)", params
    marks = _marks(libraries)
    # Scalar subqueries (not EXISTS): PostgreSQL then probes the indexes per candidate instead of hashing
    # every copy, loan and library.
    free_copy = (
        f"COALESCE((SELECT 1 FROM {copy} c WHERE c.title_id = t.id AND c.library_id IN ({marks})"  # noqa: S608
        f" AND NOT EXISTS (SELECT 1 FROM {loan} l WHERE l.copy_id = c.id AND l.ended_at IS NULL) LIMIT 1), 0)"
    )
    # A shared title is lendable unless the library's catalogue is a selection without it; a network's title
    # by the libraries of that network.
    acquirable = (
        f"COALESCE((SELECT 1 FROM {library} b WHERE b.id IN ({marks}) AND b.self_service_acquisition = %s"  # noqa: S608
        " AND (b.acquisition_price_cap IS NULL OR t.price <= b.acquisition_price_cap)"
        " AND (CASE WHEN t.network_id IS NOT NULL THEN (CASE WHEN t.network_id = b.network_id THEN 1 ELSE 0 END)"
        f" ELSE (CASE WHEN EXISTS (SELECT 1 FROM {access} a WHERE a.library_id = b.id AND a.whole_catalog = %s"
        f" AND NOT EXISTS (SELECT 1 FROM {selected} s WHERE s.catalogaccess_id = a.id AND s.title_id = t.id))"
        " THEN 0 ELSE 1 END) END) = 1 LIMIT 1), 0)"
    )
    sql = (
        f"(CASE WHEN t.format = %s THEN {paper} WHEN t.is_free = %s THEN 1"
        f" WHEN {free_copy} = 1 THEN 1 WHEN {acquirable} = 1 THEN 1 ELSE 0 END)"
    )
    return sql, [*params, *libraries, *libraries, True, False]


def in_fund_sql(libraries: list[int]) -> tuple[str, list]:
    """1 when one of `libraries` holds the title: a copy (digital or a paper item being lent), or a paper item."""
    if not libraries:
        return "0", []
    marks = _marks(libraries)
    return (
        f"COALESCE((SELECT 1 FROM {_table(Copy)} fc WHERE fc.title_id = t.id AND fc.library_id IN ({marks})"  # noqa: S608
        f" LIMIT 1), (SELECT 1 FROM {_table(Item)} fi WHERE fi.title_id = t.id AND fi.library_id IN ({marks})"
        " LIMIT 1), 0)",
        [*libraries, *libraries],
    )


def available_now(*, library: Library, title: Title) -> bool:
    """`available_sql` for one title at one library (the book page)."""
    sql, params = available_sql([library.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql} FROM {_table(Title)} t WHERE t.id = %s", [*params, title.pk])  # noqa: S608
        return cursor.fetchone()[0] == 1
