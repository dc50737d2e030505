"""Paper circulation in the demo public library and its branch (issue #14): item types, circulation rules, an
opening calendar with Latvian public holidays, readers of its own, and loans, fines, reservations and a queue.

Run by core.demo after the catalogue demo; running it again changes nothing. The state (loans, fines, holds,
reservations) is written by `_paper_circulation_demo` with the ORM, keeping every invariant the desk, reservation
and fine services keep, until those services can build it themselves.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import translation

from abonement.catalog.demo import person
from abonement.catalog.importers import ItemData, Position, TitleData, import_records
from abonement.catalog.models import Item, ItemType, Title
from abonement.catalog.search import indexer
from abonement.circulation import selectors
from abonement.circulation.models import CirculationRule, Copy, FineEntry, Hold, Loan, Request
from abonement.circulation.setaside import set_aside
from abonement.core import clock, events
from abonement.core.models import Event
from abonement.libraries.calendar import calendar_for
from abonement.libraries.holidays import public_holidays
from abonement.libraries.models import ClosedDay, OpeningHours
from abonement.readers.models import Card, ReaderCategory

SOURCE = "demo"
ITEM_TYPES = [("BOOK", "Book"), ("PERIODICAL", "Periodical"), ("REFERENCE", "Reference"), ("AV", "AV")]
# (item type code, reader category, loan days, renewals, fine per day, fine cap, reservable online, reading room)
RULES = [
    (None, "", 21, 2, 10, 300, True, False),
    ("BOOK", "", 21, 2, 10, 300, True, False),
    ("BOOK", ReaderCategory.CHILD, 14, 2, 5, 150, True, False),
    ("PERIODICAL", "", 7, 0, 10, 300, True, False),
    ("REFERENCE", "", 1, 0, 0, None, False, True),
    ("AV", "", 14, 1, 20, 500, True, False),
]
# The central library Tue–Fri 10–19, Sat 10–16; the branch Mon–Fri 9–13 and 14–18 (a lunch break).
CENTRAL_HOURS = [(d, time(10), time(19)) for d in (1, 2, 3, 4)] + [(5, time(10), time(16))]
BRANCH_HOURS = [(d, opens, closes) for d in range(5) for opens, closes in ((time(9), time(13)), (time(14), time(18)))]
CENTRAL_PICKUP_DAYS, BRANCH_PICKUP_DAYS = 3, 10

# Readers of the public library (card number = login, password as every demo account): README lists them.
READERS = [
    ("2000001", "Ilze", "Ozola", date(1985, 2, 11), ReaderCategory.ADULT),  # loans on hand, a waiting reservation
    ("2000002", "Jānis", "Kalniņš", date(1978, 9, 3), ReaderCategory.ADULT),  # debtor: overdue books and fines
    ("2000003", "Līga", "Bērziņa", date(1992, 6, 24), ReaderCategory.ADULT),  # a book set aside to collect
    ("2000004", "Pēteris", "Liepa", date(1960, 12, 1), ReaderCategory.SENIOR),  # first in a queue
    ("2000005", "Marta", "Kļaviņa", date(2015, 4, 17), ReaderCategory.CHILD),  # second in the queue, a child
]
PAPER_READER_LOGINS = tuple(number for number, *_rest in READERS)

# Titles only on paper: a periodical, a reference book (reading room only), an audio CD and a novel everybody
# waits for (one copy, on loan, two readers in its queue).
EXTRA_TITLES = [
    ("lv-paper-ir-2026", "Ir. Nedēļas žurnāls", "Ir", "lv", "PERIODICAL", [(0, "Periodika", "05 I")] * 2),
    (
        "lv-paper-latvijas-enciklopedija",
        "Latvijas enciklopēdija",
        "Zinātne",
        "lv",
        "REFERENCE",
        [(0, "Lasītava", "03 L"), (1, "Lasītava", "03 L")],
    ),
    ("lv-paper-emila-nedarbi-cd", "Emīla nedarbi (audio CD)", "Astrid Lindgren", "lv", "AV", [(0, "AV", "AV 1")]),
    ("lv-paper-dveselu-putenis", "Dvēseļu putenis", "Aleksandrs Grīns", "lv", "BOOK", [(0, "Abonements", "84 G5")]),
]
QUEUE_TITLE = "lv-paper-dveselu-putenis"


def load_paper_demo(*, network, public, branch, librarian, make_user) -> None:
    """Set up paper circulation in the demo public library (`public`) and its branch; then its state, once.
    `make_user(username, **fields)` makes a demo account (core.demo's, with the demo password)."""
    types = {
        code: ItemType.objects.get_or_create(network=network, code=code, defaults={"name": name})[0]
        for code, name in ITEM_TYPES
    }
    for code, category, days, renewals, fine, cap, reservable, reading_room in RULES:
        CirculationRule.objects.get_or_create(
            library=public,
            item_type=types[code] if code else None,
            reader_category=category,
            defaults={
                "loan_days": days,
                "renewals_allowed": renewals,
                "fine_per_day": fine,
                "fine_cap": cap,
                "reservable_online": reservable,
                "reading_room_only": reading_room,
            },
        )
    for library, hours, pickup, weekdays in (
        (public, CENTRAL_HOURS, CENTRAL_PICKUP_DAYS, "23456"),
        (branch, BRANCH_HOURS, BRANCH_PICKUP_DAYS, "12345"),
    ):
        if not OpeningHours.objects.filter(library=library).exists():
            OpeningHours.objects.bulk_create(
                OpeningHours(library=library, weekday=weekday, opens=opens, closes=closes)
                for weekday, opens, closes in hours
            )
            library.pickup_opening_days, library.currency, library.opening_weekdays = pickup, "EUR", weekdays
            library.save(update_fields=["pickup_opening_days", "currency", "opening_weekdays"])
    year = clock.now().astimezone(calendar_for(public).time_zone).year
    with translation.override("lv"):
        for day, name in [holiday for y in (year, year + 1) for holiday in public_holidays("lv", y)]:
            # The central library's closed days close its branch too.
            ClosedDay.objects.get_or_create(library=public, day=day, defaults={"name": name, "public_holiday": True})
    if Card.objects.filter(number=READERS[0][0]).exists():
        return
    _extra_titles(network=network, public=public, branch=branch, types=types)
    Item.objects.filter(title__network=network, item_type__isnull=True).update(item_type=types["BOOK"])
    _paper_circulation_demo(public=public, branch=branch, librarian=librarian, make_user=make_user)


def _extra_titles(*, network, public, branch, types) -> None:
    libraries = [public, branch]
    records = [
        TitleData(
            position=Position(n),
            control_number=key,
            title=title,
            authors=[person(author)],
            language=language,
            publisher="Zvaigzne ABC",
            year=2020,
            age_rating=0,
            items=[
                ItemData(barcode=f"DEMO-P{n:02d}{i}", library=str(libraries[index].pk), fund=fund, shelf_mark=mark)
                for i, (index, fund, mark) in enumerate(items, start=1)
            ],
        )
        for n, (key, title, author, language, _code, items) in enumerate(EXTRA_TITLES, start=1)
    ]
    import_records(records, source=SOURCE, network=network)
    created = Title.objects.filter(
        source=SOURCE, network=network, control_number__in=[r.control_number for r in records]
    )
    indexer.index_titles(list(created.values_list("pk", flat=True)))
    for key, _title, _author, _language, code, _items in EXTRA_TITLES:
        Item.objects.filter(title__network=network, title__control_number=key).update(item_type=types[code])
    # Reference books are read in the reading room only.
    Item.objects.filter(title__network=network, item_type=types["REFERENCE"]).update(
        status=Item.Status.READING_ROOM, reservable_online=False
    )


@dataclass
class _Desk:
    """What the desk services would do, by hand, for the demo."""

    librarian: object
    now: datetime

    def check_out(self, item: Item, card: Card, *, days_ago: int) -> Loan:
        """Lend `item` to `card` `days_ago` days ago under the library's rule: its Copy (made on the first
        check-out), the Loan, the item on loan until the due date, the event."""
        started = self.now - timedelta(days=days_ago)
        rule = selectors.paper_rule(item=item, card=card)
        copy, _ = Copy.objects.get_or_create(
            item=item, defaults={"library": item.library, "title": item.title, "acquired_at": started, "cost": 0}
        )
        due = calendar_for(item.library).due(started, rule.loan_days)
        loan = Loan.objects.create(
            copy=copy,
            card=card,
            library=item.library,
            title=item.title,
            started_at=started,
            due_at=due,
            issued_by=self.librarian,
        )
        item.status, item.due_date, item.in_transit_to = Item.Status.ON_LOAN, loan.last_day, None
        item.save(update_fields=["status", "due_date", "in_transit_to"])
        events.record_for_card(
            Event.Kind.CHECKED_OUT, card=card, actor=self.librarian, now=started, title=item.title, item=item.barcode
        )
        return loan

    def check_in(self, loan: Loan, *, at: datetime) -> None:
        loan.ended_at, loan.end_reason = at, Loan.EndReason.RETURNED
        loan.save(update_fields=["ended_at", "end_reason"])
        item = loan.copy.item
        item.status, item.due_date = Item.Status.ON_SHELF, None
        item.save(update_fields=["status", "due_date"])
        events.record_for_card(
            Event.Kind.CHECKED_IN, card=loan.card, actor=self.librarian, now=at, title=loan.title, item=item.barcode
        )

    def charge_daily_fines(self, loans: list[Loan], *, until: date) -> None:
        """One charge per overdue day of each loan (the day after its due date up to `until`), capped per item,
        written in the order of the days so the ledger's running balance follows time."""
        charges = []
        for loan in loans:
            rule = selectors.paper_rule(item=loan.copy.item, card=loan.card)
            for overdue_days in range(1, (until - loan.last_day).days + 1):
                amount = rule.fine_for(overdue_days) - rule.fine_for(overdue_days - 1)
                if amount <= 0:
                    break
                charges.append((loan.last_day + timedelta(days=overdue_days), loan.pk, loan, amount))
        for day, _pk, loan, amount in sorted(charges, key=lambda charge: charge[:2]):
            at = datetime.combine(day, time(0, 5), tzinfo=calendar_for(loan.library).time_zone)
            card = Card.objects.get(pk=loan.card_id)
            self._fine(card, loan=loan, kind=FineEntry.Kind.CHARGE, amount=amount, at=at, charged_for=day)

    def pay(self, card: Card, *, amount: int, at: datetime) -> None:
        self._fine(Card.objects.get(pk=card.pk), loan=None, kind=FineEntry.Kind.PAYMENT, amount=-amount, at=at)

    def _fine(self, card: Card, *, loan, kind, amount: int, at: datetime, charged_for=None) -> None:
        card.fines_owed += amount
        card.save(update_fields=["fines_owed"])
        FineEntry.objects.create(
            card=card,
            library=card.library,
            loan=loan,
            kind=kind,
            amount=amount,
            balance_after=card.fines_owed,
            charged_for=charged_for,
            at=at,
            by=None if kind == FineEntry.Kind.CHARGE else self.librarian,
        )
        event = {FineEntry.Kind.CHARGE: Event.Kind.FINE_CHARGED, FineEntry.Kind.PAYMENT: Event.Kind.FINE_PAID}[kind]
        actor = None if kind == FineEntry.Kind.CHARGE else self.librarian
        events.record_for_card(event, card=card, actor=actor, now=at, title=loan.title if loan else None, amount=amount)


def _paper_circulation_demo(*, public, branch, librarian, make_user, now: datetime | None = None) -> None:
    """Loans on hand (some overdue), a debtor with fines, a waiting reservation, a book set aside in each
    library with its pickup deadline, and two readers queueing for a lent book. Written with the ORM as the
    services would write it (to be switched to the desk, reservation and fine services)."""
    now = now or clock.now()
    cards = {}
    for number, first, last, born, category in READERS:
        user = make_user(number, first_name=first, last_name=last, email=f"reader{number}@example.org", language="lv")
        cards[number], _ = Card.objects.get_or_create(
            number=number,
            defaults={
                "library": public,
                "user": user,
                "full_name": f"{last} {first}",
                "birth_date": born,
                "category": category,
                "created_at": now - timedelta(days=400),
            },
        )
    ilze, janis, liga, peteris, marta = (cards[number] for number, *_rest in READERS)
    desk = _Desk(librarian=librarian, now=now)

    def on_shelf(library, *, exclude_titles=()):
        return (
            Item.objects.select_related("library", "title")
            .filter(library=library, status=Item.Status.ON_SHELF, barcode__startswith="DEMO-")
            .exclude(title_id__in=exclude_titles)
            .exclude(title__control_number=QUEUE_TITLE)
            .order_by("barcode")
        )

    # The catalogue demo shows some items on loan: lend them for real, spread over the readers (one copy of a
    # title per reader), due within the next weeks.
    borrowers = [ilze, peteris, liga, marta]
    lent = list(
        Item.objects.select_related("library", "title")
        .filter(
            library__in=[public, branch], status=Item.Status.ON_LOAN, barcode__startswith="DEMO-", copy__isnull=True
        )
        .order_by("barcode")
    )
    for n, item in enumerate(lent):
        card = borrowers[n % len(borrowers)]
        if Loan.objects.filter(card=card, title=item.title, ended_at__isnull=True).exists():
            card = next(
                c
                for c in borrowers
                if not Loan.objects.filter(card=c, title=item.title, ended_at__isnull=True).exists()
            )
        desk.check_out(item, card, days_ago=1 + n % 10)

    # Ilze: one more book of the central library, due in a fortnight.
    taken = set(Loan.objects.filter(card=ilze, ended_at__isnull=True).values_list("title_id", flat=True))
    desk.check_out(on_shelf(public, exclude_titles=taken).first(), ilze, days_ago=5)

    # Jānis, the debtor: a book returned 9 days late (fined 0.90, paid 0.50) and two overdue, fined daily (a debtor
    # cannot reserve: the reservations below are other readers').
    today = calendar_for(public).local_date(now)
    returned = desk.check_out(on_shelf(public).first(), janis, days_ago=50)
    late_until = returned.last_day + timedelta(days=9)
    desk.charge_daily_fines([returned], until=late_until)
    returned_at = datetime.combine(late_until, time(12), tzinfo=calendar_for(public).time_zone)
    desk.check_in(returned, at=returned_at)
    desk.pay(janis, amount=50, at=returned_at + timedelta(minutes=1))
    overdue = []
    for days_ago in (35, 27):
        taken = Loan.objects.filter(card=janis).values("title_id")
        overdue.append(desk.check_out(on_shelf(public, exclude_titles=taken).first(), janis, days_ago=days_ago))
    desk.charge_daily_fines(overdue, until=today)

    # The queue: the one copy of QUEUE_TITLE is on loan to Ilze; Pēteris, then Marta, wait for it.
    queued = Item.objects.select_related("library", "title").get(title__control_number=QUEUE_TITLE)
    desk.check_out(queued, ilze, days_ago=10)
    for card, days_ago in ((peteris, 6), (marta, 2)):
        joined = now - timedelta(days=days_ago)
        Hold.objects.create(card=card, library=queued.library, title=queued.title, created_at=joined)
        events.record_for_card(Event.Kind.QUEUED, card=card, actor=card.user, now=joined, title=queued.title)

    # Līga reserved a book of the central library yesterday; it was approved and set aside (3 opening days to
    # collect it). In the branch a returned book was set aside for her from its queue (10 opening days).
    for library, days_ago, reserved in ((public, 1, True), (branch, 2, False)):
        mine = Loan.objects.filter(card=liga, ended_at__isnull=True).values("title_id")
        item = on_shelf(library, exclude_titles=mine).exclude(title__holds__card=liga).first()
        asked, decided = now - timedelta(days=days_ago, hours=2), now - timedelta(days=days_ago)
        hold = Hold.objects.create(card=liga, library=library, title=item.title, created_at=asked)
        if reserved:
            Request.objects.create(
                kind=Request.Kind.RESERVATION,
                card=liga,
                library=library,
                title=item.title,
                item=item,
                status=Request.Status.APPROVED,
                created_at=asked,
                decided_at=decided,
                decided_by=librarian,
                hold=hold,
            )
            events.record_for_card(Event.Kind.RESERVED, card=liga, actor=liga.user, now=asked, title=item.title)
            events.record_for_card(
                Event.Kind.RESERVATION_APPROVED, card=liga, actor=librarian, now=decided, title=item.title
            )
        else:
            events.record_for_card(Event.Kind.QUEUED, card=liga, actor=liga.user, now=asked, title=item.title)
        set_aside(item=item, hold=hold, now=decided, actor=librarian)

    # Ilze's waiting reservation of a branch book, for the librarian to review.
    item = on_shelf(branch, exclude_titles=Loan.objects.filter(card=ilze, ended_at__isnull=True).values("title_id"))[0]
    asked = now - timedelta(hours=3)
    Request.objects.create(
        kind=Request.Kind.RESERVATION,
        card=ilze,
        library=branch,
        title=item.title,
        item=item,
        status=Request.Status.WAITING,
        created_at=asked,
    )
    item.status = Item.Status.RESERVED
    item.save(update_fields=["status"])
    events.record_for_card(Event.Kind.RESERVED, card=ilze, actor=ilze.user, now=asked, title=item.title)
