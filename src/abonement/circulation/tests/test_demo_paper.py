"""The demo public library lends paper books (issue #14): items in both libraries, a calendar with Latvian
holidays, loans on hand and overdue, a debtor whose fines equal the ledger, a book set aside with its pickup
deadline, a waiting reservation and a queue — and running the demo twice changes nothing."""

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from abonement.catalog.models import Item, ItemType
from abonement.circulation import selectors
from abonement.circulation.demo import QUEUE_TITLE
from abonement.circulation.models import CirculationRule, Copy, FineEntry, Hold, Loan, Renewal, Request
from abonement.circulation.policies import DebtorBlocked
from abonement.core import clock
from abonement.core.demo import DEMO_PASSWORD, load_demo
from abonement.core.models import Event
from abonement.libraries.calendar import calendar_for
from abonement.libraries.holidays import public_holidays
from abonement.libraries.models import ClosedDay
from abonement.readers.models import Card


def snapshot():
    return (
        list(Loan.objects.order_by("pk").values_list("pk", "copy_id", "card_id", "due_at", "ended_at")),
        list(Item.objects.order_by("pk").values_list("pk", "status", "due_date", "item_type_id")),
        list(Hold.objects.order_by("pk").values_list("pk", "status", "item_id", "pickup_by")),
        list(Request.objects.order_by("pk").values_list("pk", "kind", "status", "item_id")),
        list(FineEntry.objects.order_by("pk").values_list("pk", "amount", "balance_after")),
        list(Card.objects.order_by("pk").values_list("pk", "fines_owed")),
        ClosedDay.objects.count(),
        CirculationRule.objects.count(),
        Event.objects.count(),
    )


@pytest.mark.django_db
def test_demo_public_library_lends_paper_books(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo writes book files
    data = load_demo()
    _school, public, branch = data["libraries"]
    now = clock.now()

    assert {t.code for t in ItemType.objects.filter(network=data["network"])} == {
        "BOOK",
        "PERIODICAL",
        "REFERENCE",
        "AV",
    }
    assert Item.objects.filter(library=public).exists() and Item.objects.filter(library=branch).exists()
    assert not Item.objects.filter(title__network=data["network"], item_type__isnull=True).exists()
    reference = Item.objects.filter(item_type__code="REFERENCE")
    assert reference.exists() and set(reference.values_list("status", flat=True)) == {Item.Status.READING_ROOM}

    # Rules: books 21 days, 2 renewals, 0.10 a day capped at 3.00; children 14 days; reference in the room only.
    book = Item.objects.filter(library=public, item_type__code="BOOK").first()
    adult = Card.objects.get(number="2000001")
    child = Card.objects.get(number="2000005")
    rule = selectors.paper_rule(item=book, card=adult)
    assert (rule.loan_days, rule.renewals_allowed, rule.fine_per_day, rule.fine_cap) == (21, 2, 10, 300)
    assert selectors.paper_rule(item=book, card=child).loan_days == 14
    assert selectors.paper_rule(item=reference.first(), card=adult).reading_room_only

    # The calendar: the central library closed on Mondays and on Latvian holidays, which close the branch too.
    year = now.year
    holiday = next(day for day, _name in public_holidays("lv", year) if day.month == 11)  # 18 November
    assert ClosedDay.objects.filter(library=public, day=holiday, public_holiday=True).exists()
    central, filiale = calendar_for(public), calendar_for(branch)
    assert not central.is_open(holiday) and not filiale.is_open(holiday)
    assert not central.hours.get(0)  # closed on Mondays
    assert len(filiale.hours[0]) == 2  # a lunch break
    assert (public.pickup_opening_days, branch.pickup_opening_days, public.currency) == (3, 10, "EUR")

    # Every open paper loan is the one loan of its item's copy, and the item says so.
    paper_loans = Loan.objects.filter(ended_at__isnull=True, copy__item__isnull=False).select_related("copy__item")
    assert paper_loans.count() >= 5
    for loan in paper_loans:
        assert (loan.copy.item.status, loan.copy.item.due_date) == (Item.Status.ON_LOAN, loan.last_day)
        assert loan.copy.title_id == loan.title_id == loan.copy.item.title_id
    lent_items = Item.objects.filter(status=Item.Status.ON_LOAN, library__in=[public, branch])
    assert lent_items.count() == paper_loans.filter(library__in=[public, branch]).count()
    assert Copy.objects.filter(item__isnull=False).count() == Copy.objects.filter(item__isnull=False).distinct().count()
    assert paper_loans.filter(due_at__lt=now).exists()  # an overdue loan

    # The debtor: overdue, fines owed equal to the ledger's sum and to the last balance.
    debtor = Card.objects.get(number="2000002")
    assert debtor.fines_owed > 0
    assert FineEntry.objects.filter(card=debtor).aggregate(total=Sum("amount"))["total"] == debtor.fines_owed
    assert FineEntry.objects.filter(card=debtor).order_by("at", "id").last().balance_after == debtor.fines_owed
    assert FineEntry.objects.filter(card=debtor, kind=FineEntry.Kind.PAYMENT).exists()
    assert selectors.overdue_paper_loans(debtor, now=now).count() == 2
    with pytest.raises(DebtorBlocked):
        selectors.check_not_debtor(debtor, now=now)
    for number in ("2000001", "2000003"):  # who reserved is no debtor
        selectors.check_not_debtor(Card.objects.get(number=number), now=now)
    for card in Card.objects.filter(fine_entries__isnull=False).distinct():
        balance = 0
        for entry in FineEntry.objects.filter(card=card).order_by("at", "id"):  # the running balance follows time
            balance += entry.amount
            assert entry.balance_after == balance, entry
        assert balance == card.fines_owed

    # Set aside: a READY hold with its item, due at the closing time of an opening day, in each library.
    ready = Hold.objects.filter(status=Hold.Status.READY).select_related("item", "library")
    assert {hold.library for hold in ready} == {public, branch}
    for hold in ready:
        calendar = calendar_for(hold.library)
        day = calendar.local_date(hold.pickup_by)
        assert calendar.is_open(day) and hold.pickup_by == calendar.closing_time(day)
        assert hold.pickup_by > now and hold.item.status == Item.Status.SET_ASIDE
    assert (
        calendar_for(public).opening_days_between(
            calendar_for(public).local_date(ready.get(library=public).ready_at),
            calendar_for(public).local_date(ready.get(library=public).pickup_by),
        )
        == 3
    )
    assert Request.objects.filter(
        kind=Request.Kind.RESERVATION, status=Request.Status.APPROVED, hold__in=ready
    ).exists()

    # A waiting reservation of an item on the shelf, and two readers queueing for a book on loan.
    waiting = Request.objects.get(kind=Request.Kind.RESERVATION, status=Request.Status.WAITING)
    assert waiting.item.status == Item.Status.RESERVED
    queue = Hold.objects.filter(status=Hold.Status.WAITING).order_by("created_at")
    assert [hold.card.number for hold in queue] == ["2000004", "2000005"]
    assert Item.objects.get(title=queue[0].title).status == Item.Status.ON_LOAN

    # Ilze's renewal, granted at the desk: the new due date is the loan's.
    renewal = Renewal.objects.get(loan__card__number="2000001")
    assert renewal.status == Renewal.Status.GRANTED and renewal.loan.due_at == renewal.due_after > renewal.due_before

    # The desk's events are in the reports' data.
    assert Event.objects.filter(library=public, kind=Event.Kind.CHECKED_OUT).exists()
    assert Event.objects.filter(library=public, kind=Event.Kind.FINE_CHARGED).exists()

    before = snapshot()
    load_demo()
    assert snapshot() == before


@pytest.mark.django_db
def test_demo_paper_pages_open(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo()
    queued = Item.objects.get(title__control_number=QUEUE_TITLE)

    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = anonymous.get(reverse("catalog:title", args=[queued.title_id]))
    assert page.status_code == 200 and "Dvēseļu putenis" in page.content.decode()

    debtor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert debtor.post("/login/", {"identifier": "2000002", "password": DEMO_PASSWORD}).status_code == 302
    assert debtor.get(reverse("circulation:my_books")).status_code == 200

    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert staff.post("/login/", {"identifier": "librarian2", "password": DEMO_PASSWORD}).status_code == 302
    card = Card.objects.get(number="2000002")
    assert staff.get(reverse("staff:reader", args=[card.pk])).status_code == 200
    report = staff.get(reverse("staff:report_events"), {"preset": "month", "kinds": ["checked_out", "fine_charged"]})
    assert report.status_code == 200
    assert {row[2] for row in report.context["rows"]} == {"Izsniegts", "Aprēķināts sods"}  # librarian2 reads Latvian
