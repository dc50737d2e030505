"""What the desk shows about a reader (SPEC P7): loans with due dates and days overdue, reservations, queue
places, fines owed and blocks.

Read at every scan, so in three statements written by hand (as the take path, decision 0010): the ORM took
longer to build the queries with their joins than the database took to answer them. Rows come back as small
read-only records for the template; nothing here writes.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection

from abonement.catalog.models import Item, Title
from abonement.circulation import desk, policies
from abonement.circulation.models import Copy, Hold, Loan, Request
from abonement.core.sqlvalues import as_datetime
from abonement.libraries.calendar import calendar_for
from abonement.libraries.models import Library
from abonement.readers.models import Card


@dataclass(frozen=True)
class PanelLoan:
    pk: int
    title: str
    barcode: str | None  # None: an e-book loan
    due_at: datetime
    due_day: date
    days_overdue: int


@dataclass(frozen=True)
class PanelHold:
    pk: int
    title: str
    library: str
    status: str
    barcode: str | None  # the item set aside, when ready
    pickup_by: datetime | None
    position: int  # place in the title's queue at that library (waiting holds)


@dataclass(frozen=True)
class PanelReservation:
    title: str
    barcode: str
    library: str
    status_label: str


_LOANS = (
    f"SELECT l.id, t.title, i.barcode, l.due_at FROM {Loan._meta.db_table} l"  # noqa: S608 — names from the models
    f" JOIN {Title._meta.db_table} t ON t.id = l.title_id JOIN {Copy._meta.db_table} c ON c.id = l.copy_id"
    f" LEFT JOIN {Item._meta.db_table} i ON i.id = c.item_id"
    " WHERE l.card_id = %s AND l.ended_at IS NULL ORDER BY l.due_at, l.id"
)
_HOLDS = (
    f"SELECT h.id, t.title, lib.name, h.status, i.barcode, h.pickup_by, (SELECT COUNT(*) FROM {Hold._meta.db_table} a"  # noqa: S608
    "  WHERE a.library_id = h.library_id AND a.title_id = h.title_id AND a.status = %s"
    "  AND (a.created_at < h.created_at OR (a.created_at = h.created_at AND a.id <= h.id)))"
    f" FROM {Hold._meta.db_table} h JOIN {Title._meta.db_table} t ON t.id = h.title_id"
    f" JOIN {Library._meta.db_table} lib ON lib.id = h.library_id LEFT JOIN {Item._meta.db_table} i ON i.id = h.item_id"
    " WHERE h.card_id = %s AND h.status IN (%s, %s) ORDER BY h.created_at, h.id"
)
_RESERVATIONS = (
    f"SELECT t.title, i.barcode, lib.name, r.status FROM {Request._meta.db_table} r"  # noqa: S608
    f" JOIN {Title._meta.db_table} t ON t.id = r.title_id JOIN {Item._meta.db_table} i ON i.id = r.item_id"
    f" JOIN {Library._meta.db_table} lib ON lib.id = i.library_id"
    " WHERE r.card_id = %s AND r.kind = %s AND r.status IN (%s, %s) ORDER BY r.created_at, r.id"
)


def reader_panel(card: Card, *, now: datetime) -> dict:
    """The desk's reader panel as template context: four statements whatever the number of loans."""
    library = card.library
    calendar = calendar_for(library)
    today = calendar.local_date(now)
    waiting, ready = Hold.Status.WAITING, Hold.Status.READY
    with connection.cursor() as cursor:
        cursor.execute(_LOANS, [card.pk])
        loans = []
        for pk, title, barcode, due_at in cursor.fetchall():
            due_at = as_datetime(due_at)
            due_day = calendar.local_date(due_at)
            overdue = (today - due_day).days if due_at < now else 0
            loans.append(PanelLoan(pk, title, barcode, due_at, due_day, overdue))
        cursor.execute(_HOLDS, [waiting, card.pk, waiting, ready])
        holds = [
            PanelHold(pk, title, name, status, barcode, as_datetime(pickup_by), position)
            for pk, title, name, status, barcode, pickup_by, position in cursor.fetchall()
        ]
        cursor.execute(
            _RESERVATIONS, [card.pk, Request.Kind.RESERVATION, Request.Status.WAITING, Request.Status.APPROVED]
        )
        reservations = [
            PanelReservation(title, barcode, name, Request.Status(status).label)
            for title, barcode, name, status in cursor.fetchall()
        ]
    paper = [loan for loan in loans if loan.barcode is not None]
    counts = desk.OnHand(items=len(paper), overdue=sum(1 for loan in paper if loan.due_at < now))
    return {
        "card": card,
        "loans": loans,
        "overdue": sum(1 for loan in loans if loan.days_overdue),
        "holds": holds,
        "reservations": reservations,
        "fines_owed": policies.format_money(card.fines_owed, library.currency) if card.fines_owed else "",
        "blocks": desk.blocks(card, now=now, counts=counts),
    }
