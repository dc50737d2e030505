"""Paper circulation in the demo public library and its branch (issue #14): item types, circulation rules, an
opening calendar with Latvian public holidays, readers of its own, and loans, fines, reservations and a queue.

Run by core.demo after the catalogue demo; running it again changes nothing. The state (loans, fines, holds,
reservations) is made by `_paper_circulation_demo` through the desk, reservation, renewal and fine services, so
it keeps their invariants by construction.
"""

from datetime import date, datetime, time, timedelta

from django.utils import translation

from abonement.catalog.demo import person
from abonement.catalog.importers import ItemData, Position, TitleData, import_records
from abonement.catalog.models import Item, ItemType, Title
from abonement.catalog.search import indexer
from abonement.circulation import desk, fines, renewals, reservations
from abonement.circulation.models import CirculationRule, Loan
from abonement.core import clock
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
    for code, category, days, renewals_allowed, fine, cap, reservable, reading_room in RULES:
        CirculationRule.objects.get_or_create(
            library=public,
            item_type=types[code] if code else None,
            reader_category=category,
            defaults={
                "loan_days": days,
                "renewals_allowed": renewals_allowed,
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


def _paper_circulation_demo(*, public, branch, librarian, make_user, now: datetime | None = None) -> None:
    """Loans on hand (some overdue, one renewed), a debtor with fines, a waiting reservation, a book set aside in
    each library with its pickup deadline, and two readers queueing for a lent book — each made by the service
    the desk, the reader or the nightly job would call, with the clock set back to when it happened."""
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
                # The catalogue demo's lent items go to these readers: more on hand than the library's default.
                "max_on_hand": 10,
            },
        )
    ilze, janis, liga, peteris, marta = (cards[number] for number, *_rest in READERS)

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    def check_out(item: Item, card: Card, *, at: datetime) -> Loan:
        return desk.check_out(librarian=librarian, card=card, barcode=item.barcode, now=at)

    def on_shelf(library, *, exclude_titles=()):
        return (
            Item.objects.select_related("library", "title")
            .filter(library=library, status=Item.Status.ON_SHELF, barcode__startswith="DEMO-")
            .exclude(title_id__in=exclude_titles)
            .exclude(title__control_number=QUEUE_TITLE)
            .order_by("barcode")
        )

    def titles_of(card: Card):
        return Loan.objects.filter(card=card).values("title_id")

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
        card = next(
            c
            for c in borrowers[n % len(borrowers) :] + borrowers
            if not Loan.objects.filter(card=c, title=item.title, ended_at__isnull=True).exists()
        )
        check_out(item, card, at=ago(1 + n % 10))

    # Ilze: one more book of the central library, renewed at the desk yesterday.
    loan = check_out(on_shelf(public, exclude_titles=titles_of(ilze)).first(), ilze, at=ago(12))
    renewals.renew(librarian=librarian, loan=loan, now=ago(1))

    # Jānis, the debtor: a book returned late (fined by the nightly job for each overdue opening day, part paid)
    # and two overdue, fined up to today (a debtor cannot reserve: the reservations below are other readers').
    returned = check_out(on_shelf(public).first(), janis, at=ago(60))
    calendar = calendar_for(public)
    late_until = calendar.closing_time(calendar.local_date(returned.due_at) + timedelta(days=9))
    fines.charge_overdue_fines(now=late_until)
    desk.check_in(librarian=librarian, barcode=returned.copy.item.barcode, at_library=public, now=late_until)
    janis.refresh_from_db()
    fines.pay(librarian=librarian, card=janis, amount=min(50, janis.fines_owed), now=late_until + timedelta(minutes=1))
    for days in (28, 25):
        check_out(on_shelf(public, exclude_titles=titles_of(janis)).first(), janis, at=ago(days))
    fines.charge_overdue_fines(now=now)

    # The queue: the one copy of QUEUE_TITLE is on loan to Ilze; Pēteris, then Marta, wait for it.
    queued = Item.objects.select_related("library", "title").get(title__control_number=QUEUE_TITLE)
    check_out(queued, ilze, at=ago(10))
    for card, days in ((peteris, 6), (marta, 2)):
        reservations.join_paper_queue(card=card, title=queued.title, library=queued.library, now=ago(days))

    # Līga reserved a book of the central library yesterday; it was approved and set aside (3 opening days to
    # collect it). In the branch she queued for a book on loan to Marta, which was returned and set aside for her
    # (10 opening days).
    item = on_shelf(public, exclude_titles=titles_of(liga)).first()
    reservation = reservations.reserve(card=liga, item=item, now=ago(1.1))
    [approved] = reservations.approve_reservations(librarian=librarian, requests=[reservation], now=ago(1))
    assert approved.error is None, approved.error
    item = (
        on_shelf(branch, exclude_titles=Loan.objects.filter(card__in=[liga, marta]).values("title_id"))
        .exclude(title__holds__card=liga)
        .first()
    )
    check_out(item, marta, at=ago(9))
    reservations.join_paper_queue(card=liga, title=item.title, library=branch, now=ago(5))
    desk.check_in(librarian=librarian, barcode=item.barcode, at_library=branch, now=ago(2))

    # Ilze's waiting reservation of a branch book, for the librarian to review.
    item = on_shelf(branch, exclude_titles=titles_of(ilze)).exclude(title__holds__card=ilze).first()
    reservations.reserve(card=ilze, item=item, now=ago(0.125))
