"""Setting a paper item aside for a reader, and passing it on (SPEC P2, P3, P7).

One place for the step that desk check-in, reservation approval and the lapse job all take: the item goes on the
hold shelf for one reader until the pickup deadline (closing time of the library's Nth opening day), the reader
is told, and when they do not come the item goes to the next reader in the title's line at that library or back
to the shelf. The caller holds the item's row lock; these functions lock the holds they change.
"""

from datetime import datetime

from abonement.catalog.models import Item
from abonement.circulation import rows
from abonement.circulation.models import Hold
from abonement.circulation.services import _notify
from abonement.core import events
from abonement.core.models import Event
from abonement.core.sqlvalues import first, lock_clause
from abonement.libraries.calendar import calendar_for

_FIRST_WAITING = (
    f"SELECT * FROM {Hold._meta.db_table} WHERE library_id = %s AND title_id = %s AND status = %s"  # noqa: S608
    " ORDER BY created_at, id LIMIT 1"
)


def first_in_line(item: Item) -> Hold | None:
    """The first waiting reader for the item's title at the item's library, locked (SKIP LOCKED: a hold another
    transaction is deciding right now is passed over, as the e-lending queue does). Only the hold's row is
    locked: a locked card would make SKIP LOCKED pass over a reader who waits. Written by hand: every desk
    check-in runs it (decision 0010)."""
    hold = first(
        Hold,
        _FIRST_WAITING + lock_clause(skip_locked=True),
        [item.library_id, item.title_id, Hold.Status.WAITING],
    )
    if hold is not None:
        hold.library, hold.title = item.library, item.title
        hold.card = rows.card(hold.card_id, known=(item.library,))
    return hold


def set_aside(*, item: Item, hold: Hold, now: datetime, actor=None) -> Hold:
    """Put `item` on the hold shelf for `hold`'s reader: the hold becomes READY with its pickup deadline, the
    item SET_ASIDE, an event is written and the reader told where and until when."""
    library = item.library
    hold.status = Hold.Status.READY
    hold.item = item
    hold.ready_at = now
    hold.pickup_by = calendar_for(library).deadline(now, library.pickup_opening_days)
    hold.save(update_fields=["status", "item", "ready_at", "pickup_by"])
    item.status = Item.Status.SET_ASIDE
    item.due_date = None
    item.in_transit_to = None
    item.save(update_fields=["status", "due_date", "in_transit_to"])
    events.record_for_card(
        Event.Kind.SET_ASIDE,
        card=hold.card,
        actor=actor,
        now=now,
        title=item.title,
        item=item.barcode,
        pickup_by=hold.pickup_by.isoformat(),
    )
    _notify(hold.card, "item_set_aside", now=now, title=item.title, item=item, pickup_by=hold.pickup_by)
    return hold


def pass_on(*, item: Item, now: datetime, actor=None) -> Hold | None:
    """The item is free again (checked in, or its set-aside lapsed): set it aside for the next reader in line,
    or put it back on the shelf. Returns the hold it was set aside for."""
    hold = first_in_line(item)
    if hold is not None:
        return set_aside(item=item, hold=hold, now=now, actor=actor)
    item.status = Item.Status.ON_SHELF
    item.due_date = None
    item.in_transit_to = None
    item.save(update_fields=["status", "due_date", "in_transit_to"])
    return None
