"""Recording that a reader was active today (SPEC R1 visits, R3 attendance).

Rule: a signed-in person with a reader card who gets a successful answer from the site, the API or a reading
app's feed visited the library of the card they act with: the card named in the form (`card`, as lending
forms send it), else their default card (the first active one by library name, as lending picks it). Staff
and operator pages are work, not visits. One row per card and day, the library's calendar day.

A per-process guard remembers who was recorded today, so after the first request of the day a page view
costs no query; the unique constraint and INSERT … ON CONFLICT DO NOTHING settle races between processes.
"""

import zoneinfo
from datetime import date

from django.conf import settings

from abonement.core import clock
from abonement.readers.models import Card
from abonement.reports.models import Visit

_GUARD_LIMIT = 100_000

# (user id, card id named in the request or 0) → (day recorded, time zone name) of the last recorded visit.
_recorded: dict[tuple[int, int], tuple[date, str]] = {}


def forget_recorded() -> None:
    """Empty the guard (tests: ids come back after a rollback on SQLite)."""
    _recorded.clear()


def _acting_card(user_id: int, named_card: int) -> Card | None:
    cards = Card.objects.filter(user_id=user_id).select_related("library")
    if named_card:
        card = cards.filter(pk=named_card).first()
        if card:
            return card
    return (
        cards.filter(status=Card.Status.ACTIVE).order_by("library__name", "number").first()
        or cards.order_by("library__name", "number").first()
    )


def record_visit(user_id: int, named_card: int = 0, *, now=None) -> None:
    now = now or clock.now()
    key = (user_id, named_card)
    seen = _recorded.get(key)
    if seen and now.astimezone(zoneinfo.ZoneInfo(seen[1])).date() == seen[0]:
        return
    card = _acting_card(user_id, named_card)
    tzname = card.library.timezone if card else settings.TIME_ZONE
    day = now.astimezone(zoneinfo.ZoneInfo(tzname)).date()
    if card:
        Visit.objects.bulk_create([Visit(library_id=card.library_id, card=card, day=day)], ignore_conflicts=True)
    if len(_recorded) >= _GUARD_LIMIT:
        _recorded.clear()
    _recorded[key] = (day, tzname)
