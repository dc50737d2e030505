"""Reads of requests for staff: the library's *Ordered* list and the header counts (SPEC L4).

The list is one query whatever its size. The figures of a row are computed by the database: books on hand
by correlated counts on the card's open loans (index card, ended_at), the reader's requests and the readers
asking for the title by window counts over the library's waiting requests (one pass, however long a popular
title's history is). So the list sorts, filters and paginates in SQL; Python formats one page.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from abonement.catalog.models import AgeRating
from abonement.circulation import policies
from abonement.circulation.models import CirculationRule, Loan, Request

WAITING = Request.Status.WAITING

# Session key: {library id: ISO time the librarian last opened the Ordered list}.
SEEN_SESSION_KEY = "requests_seen"

# Column key → (ordering for the ascending direction, the direction a first click on the header sorts by).
# "waiting" ascending is the shortest wait first, i.e. the newest request first.
SORTS = {
    "waiting": ([F("created_at").desc(), F("id").desc()], "desc"),
    "reader": ([Lower("card__full_name").asc(), F("card__number").asc()], "asc"),
    "on_hand": ([F("paid_on_hand").asc(), F("free_on_hand").asc()], "desc"),
    "requested": ([F("requested").asc()], "desc"),
    "title": ([Lower("title__title").asc(), F("title_id").asc()], "asc"),
    "demand": ([F("demand").asc()], "desc"),
}
DEFAULT_SORT = ("waiting", "desc")
# Equal values keep one order whatever the direction: the longest waiting first.
TIE_BREAK = [F("created_at").asc(), F("id").asc()]

FILTERS = ("all", "problems")


def _count(queryset: QuerySet, by: str) -> Coalesce:
    """COUNT(*) of a correlated subquery, 0 when it has no rows."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _years_before(today: date, years: int) -> date:
    """The latest birth date of someone who is `years` old today (29 February becomes the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _too_young(today: date) -> Case:
    """policies.age_allows, in SQL: a rating above 0 needs a known birth date at least that many years ago."""
    rules = [
        When(title__age_rating=rating, then=Q(card__birth_date__isnull=True) | Q(card__birth_date__gt=cutoff))
        for rating, cutoff in ((r, _years_before(today, r)) for r in AgeRating.values if r > 0)
    ]
    # A rating outside the known set (never written by the importers) is flagged rather than trusted.
    unknown_rating = When(title__age_rating__gt=0, then=Value(True))
    return Case(*rules, unknown_rating, default=Value(False), output_field=BooleanField())


def waiting_requests(library) -> QuerySet[Request]:
    """The library's waiting requests with the figures of the Ordered list annotated.

    `requested` and `demand` are windows over this very queryset: filter it only through problems_only()
    (Django computes a filter on a window in an outer query, so the counts still see every waiting request)."""
    open_loans = Loan.objects.filter(card=OuterRef("card_id"), ended_at__isnull=True)
    return (
        Request.objects.filter(library=library, status=WAITING)
        .exclude(kind=Request.Kind.RESERVATION)  # reviewed in views_reservations
        .select_related("card", "title")
        .only(
            "id",
            "created_at",
            "birth_date_was",
            "card__id",
            "card__full_name",
            "card__number",
            "card__birth_date",
            "card__status",
            "title__id",
            "title__title",
            "title__age_rating",
            "title__is_free",
        )
        .annotate(
            paid_on_hand=_count(open_loans.filter(is_free=False), "card"),
            free_on_hand=_count(open_loans.filter(is_free=True), "card"),
            requested=Window(Count("pk"), partition_by=[F("card_id")]),
            demand=Window(Count("pk"), partition_by=[F("title_id")]),
            # policies.lending_rule: the card's own limit, else the library's.
            limit=Coalesce(NullIf(F("card__max_on_hand"), Value(0)), Value(library.max_on_hand)),
        )
    )


def problems_only(requests: QuerySet[Request], *, today: date) -> QuerySet[Request]:
    """Requests with any of the problems Row shows, by the same rules in SQL.

    Every listed request counts in its reader's `requested`, so "limit reached" (paid ≥ limit) implies
    "over the limit with the requests" (paid + requested > limit): one condition covers both. The lookups
    name the annotations themselves, so the outer query Django builds for the window counts reuses the
    computed columns instead of running the loan counts again."""
    return requests.alias(too_young=_too_young(today)).filter(
        Q(paid_on_hand__gt=F("limit") - F("requested"))
        | Q(too_young=True)
        | ~Q(card__status="active")
        | Q(birth_date_was__isnull=False)
    )


def parse_sort(value: str | None) -> tuple[str, str]:
    """ "title" → ("title", "asc"), "-title" → ("title", "desc"); anything unknown → the default."""
    value = value or ""
    key, direction = (value[1:], "desc") if value.startswith("-") else (value, "asc")
    return (key, direction) if key in SORTS else DEFAULT_SORT


def sorted_by(requests: QuerySet[Request], key: str, direction: str) -> QuerySet[Request]:
    ascending, _first = SORTS[key]
    if direction == "desc":
        order = [expr.copy() for expr in ascending]
        for expr in order:
            expr.reverse_ordering()
    else:
        order = list(ascending)
    return requests.order_by(*order, *TIE_BREAK)


# ---- one page of rows, formatted -----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A request of the Ordered list with what the annotations do not say: the reader's age, the wait, the
    texts of the row and its problems (the rules of policies.check_can_borrow; problems_only() applies the
    same ones in SQL). Built once per row so the template only prints."""

    request: Request
    age: int | None
    waiting: str
    title_url: str | None
    reader_name: str
    age_label: str
    card_label: str
    since: datetime
    on_hand_label: str
    limit_reached: bool
    over_requested: bool
    too_young: bool
    card_blocked: bool

    @property
    def problems(self) -> bool:
        flags = (self.limit_reached, self.over_requested, self.too_young, self.card_blocked)
        return any(flags) or self.request.birth_date_was is not None


def _row(r: Request, *, now: datetime, today: date, link) -> Row:
    age = policies.age_on(r.card.birth_date, today)
    return Row(
        request=r,
        age=age,
        waiting=waited(r.created_at, now),
        title_url=link(r.title_id) if link else None,
        reader_name=r.card.full_name or _("(blank card)"),
        card_label=_("card %(number)s") % {"number": r.card.number},
        since=timezone.localtime(r.created_at),
        age_label=_("age unknown") if age is None else ngettext("%(age)d year", "%(age)d years", age) % {"age": age},
        on_hand_label=_("%(paid)d paid, %(free)d free") % {"paid": r.paid_on_hand, "free": r.free_on_hand},
        # Approving would take the reader beyond the limit (free titles never count, as in the service).
        limit_reached=not r.title.is_free and r.paid_on_hand >= r.limit,
        over_requested=r.paid_on_hand + r.requested > r.limit,
        too_young=not policies.age_allows(age_rating=r.title.age_rating, age=age),
        card_blocked=r.card.status != "active",
    )


def waited(since: datetime, now: datetime) -> str:
    """ "12 min", "3 h", "2 days": how long a request has waited, as the list shows it."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return _("%(minutes)d min") % {"minutes": seconds // 60}
    if seconds < 86400:
        return _("%(hours)d h") % {"hours": seconds // 3600}
    days = seconds // 86400
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def _title_link():
    """The book page URL maker, or None while the catalogue has no book page."""
    try:
        reverse("catalog:title", kwargs={"title_id": 1})
    except NoReverseMatch:
        return None
    return lambda title_id: reverse("catalog:title", kwargs={"title_id": title_id})


def rows(requests, *, now: datetime, today: date) -> list[Row]:
    link = _title_link()
    return [_row(r, now=now, today=today, link=link) for r in requests]


# ---- the staff header ----------------------------------------------------------------------------


def seen_at(session, library) -> datetime | None:
    value = session.get(SEEN_SESSION_KEY, {}).get(str(library.pk))
    return parse_datetime(value) if value else None


def mark_seen(session, library, now: datetime) -> None:
    session[SEEN_SESSION_KEY] = {**session.get(SEEN_SESSION_KEY, {}), str(library.pk): now.isoformat()}


def staff_header(request, library) -> dict:
    """`waiting_requests` of the library and `new_requests`: some arrived since the librarian last opened
    the Ordered list (or they never opened it). One query."""
    seen = seen_at(request.session, library)
    counts = (
        Request.objects.filter(library=library, status=WAITING)
        .exclude(kind=Request.Kind.RESERVATION)
        .aggregate(waiting=Count("pk"), new=Count("pk", filter=Q(created_at__gt=seen)) if seen else Count("pk"))
    )
    return {"waiting_requests": counts["waiting"], "new_requests": counts["new"] > 0}


def paper_rule(*, item, card) -> policies.PaperRule:
    """The circulation rule for lending `item` to `card` (one query; the choice is `policies.resolve_rule`)."""
    library = item.library
    owners = [pk for pk in (library.pk, library.parent_id) if pk]
    rules = list(CirculationRule.objects.filter(library_id__in=owners))
    return policies.resolve_rule(
        rules,
        library_id=library.pk,
        parent_id=library.parent_id,
        item_type_id=item.item_type_id,
        category=card.category,
    )


def overdue_paper_loans(card, *, now):
    """The card's open paper loans past their due date."""
    return Loan.objects.filter(card=card, ended_at__isnull=True, due_at__lt=now, copy__item__isnull=False)


def check_not_debtor(card, *, now) -> None:
    """Raise `policies.DebtorBlocked` when the card's reader is a debtor (SPEC P4)."""
    library = card.library
    policies.check_not_debtor(
        overdue_items=overdue_paper_loans(card, now=now).count(),
        fines_owed=card.fines_owed,
        threshold=library.debtor_fine_threshold,
        currency=library.currency,
    )


# ---- reservations and queues for paper items (SPEC P2, P3) ---------------------------------------------------

HISTORY_MIN_RETURNS = 5


@dataclass(frozen=True)
class PaperQueuePlace:
    """A reader's place in a paper title's queue at one library and when their turn should come."""

    position: int
    expected: datetime | None  # the k-th due date among the copies on loan (k = position)
    overdue: bool  # that due date has passed: the borrower is late, expected soon
    median_days: int | None  # median days from check-out to return of the title there (≥ 5 returns)
    history_expected: date | None  # the k-th of (check-out + median days) among the open loans


def paper_queue_place(hold, *, now: datetime) -> PaperQueuePlace:
    """Position and expected dates of a waiting hold for a paper title (three queries)."""
    from statistics import median

    from abonement.circulation.services import queue_position

    position = queue_position(hold)
    loans = Loan.objects.filter(
        copy__item__library_id=hold.library_id, copy__item__title_id=hold.title_id, ended_at__isnull=True
    )
    dues = sorted(loans.values_list("due_at", "started_at"))
    expected = dues[(position - 1) % len(dues)][0] if dues else None
    returns = list(
        Loan.objects.filter(
            copy__item__library_id=hold.library_id,
            copy__item__title_id=hold.title_id,
            ended_at__isnull=False,
            end_reason=Loan.EndReason.RETURNED,
        ).values_list("started_at", "ended_at")
    )
    median_days = history_expected = None
    if len(returns) >= HISTORY_MIN_RETURNS:
        median_days = round(median((ended - started).total_seconds() / 86400 for started, ended in returns))
        if dues:
            from datetime import timedelta

            back = sorted(max(started + timedelta(days=median_days), now) for _due, started in dues)
            history_expected = back[(position - 1) % len(back)].date()
    return PaperQueuePlace(
        position=position,
        expected=expected,
        overdue=expected is not None and expected < now,
        median_days=median_days,
        history_expected=history_expected,
    )


@dataclass
class PaperLibrary:
    """What a reader may do about a paper title at one library: reserve a copy on the shelf, join the queue, or
    ask the library."""

    library: object
    item: object | None = None  # a copy on the shelf that may be reserved online
    ask: bool = False  # copies on the shelf, none reservable online
    queue: bool = False  # every copy lent home is out


def paper_libraries(title, *, card=None) -> list[PaperLibrary]:
    """Per library holding items of the paper `title`: the action it offers (two queries)."""
    from abonement.catalog.models import Item

    items = list(Item.objects.filter(title=title).select_related("library").order_by("library__name", "pk"))
    owners = {i.library_id for i in items} | {i.library.parent_id for i in items if i.library.parent_id}
    rules = list(CirculationRule.objects.filter(library_id__in=owners))
    by_library: dict[int, PaperLibrary] = {}
    for item in items:
        entry = by_library.setdefault(item.library_id, PaperLibrary(library=item.library))
        rule = policies.resolve_rule(
            rules,
            library_id=item.library_id,
            parent_id=item.library.parent_id,
            item_type_id=item.item_type_id,
            category=card.category if card else "",
        )
        if rule.reading_room_only or item.status in (Item.Status.READING_ROOM, Item.Status.LOST):
            continue
        if item.status == Item.Status.ON_SHELF:
            if rule.reservable_online and item.reservable_online:
                entry.item = entry.item or item
            else:
                entry.ask = True
        else:
            entry.queue = True
    result = []
    for entry in by_library.values():
        if entry.item or entry.ask:
            entry.queue = False
        if entry.item or entry.ask or entry.queue:
            result.append(entry)
    return result


# ---- the items view of a paper title (SPEC P1) ---------------------------------------------------------------


@dataclass
class ItemRow:
    item: object
    status: str  # on_shelf, on_loan, reserved, set_aside, reading_room, in_transit, lost
    reservable_online: bool


@dataclass
class LibraryItems:
    library: object
    rows: list
    on_shelf: int
    own: bool


def items_view(title, *, user) -> list[LibraryItems]:
    """Every item of a paper title across the network's libraries, grouped by library, the reader's own libraries
    first (three queries). "Reading room only" comes from the item's status or the circulation rule of its type."""
    from abonement.catalog.models import Item
    from abonement.readers.models import Card

    items = list(
        Item.objects.filter(title=title)
        .select_related("library__parent", "in_transit_to")
        .order_by("library__name", "library_id", "shelf_mark", "barcode")
    )
    if not items:
        return []
    owners = {item.library_id for item in items} | {item.library.parent_id for item in items if item.library.parent_id}
    rules = list(CirculationRule.objects.filter(library_id__in=owners))
    own = set(Card.objects.filter(user=user).values_list("library_id", flat=True)) if user.is_authenticated else set()
    groups: dict[int, LibraryItems] = {}
    for item in items:
        rule = policies.resolve_rule(
            rules,
            library_id=item.library_id,
            parent_id=item.library.parent_id,
            item_type_id=item.item_type_id,
            category="",
        )
        status = item.status
        if status == Item.Status.ON_SHELF and rule.reading_room_only:
            status = Item.Status.READING_ROOM
        group = groups.setdefault(
            item.library_id,
            LibraryItems(
                library=item.library,
                rows=[],
                on_shelf=0,
                own=item.library_id in own or item.library.parent_id in own,
            ),
        )
        group.rows.append(
            ItemRow(item=item, status=status, reservable_online=item.reservable_online and rule.reservable_online)
        )
        group.on_shelf += status == Item.Status.ON_SHELF
    return sorted(groups.values(), key=lambda group: not group.own)
