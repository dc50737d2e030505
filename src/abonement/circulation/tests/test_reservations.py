"""Reservations of paper items (SPEC P2) and queues for lent ones (SPEC P3): the rules through HTTP, approval
with its pickup deadline over a public holiday and a DST change, refusal, cancellation, the lapse job passing the
item on, the queue's position and expected dates, and the staff list."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from abonement.catalog.models import Item, ItemType
from abonement.circulation import reservations, selectors
from abonement.circulation.models import CirculationRule, Copy, Hold, Loan, Request
from abonement.core.models import Event
from abonement.libraries.models import ClosedDay
from abonement.notifications.models import Notice
from abonement.readers.models import Card
from abonement.testing.clients import signed_in

pytestmark = pytest.mark.django_db

# Friday 23 October 2026, 10:00 in Riga (EEST, UTC+3); summer time ends on Sunday the 25th.
FRIDAY = datetime(2026, 10, 23, 7, 0, tzinfo=UTC)


@pytest.fixture
def library(library_factory):
    return library_factory(timezone="Europe/Riga", address="Brīvības iela 1, Rīga", pickup_opening_days=3)


@pytest.fixture
def title(title_factory, library):
    return title_factory(format="paper", network=library.network, price=0)


def add_item(title, library, n=None, **fields) -> Item:
    n = n if n is not None else Item.objects.count() + 1
    return Item.objects.create(title=title, library=library, barcode=f"B{title.pk}-{n}", **fields)


@pytest.fixture
def item(title, library):
    return add_item(title, library)


@pytest.fixture
def card(card_factory, library):
    return card_factory(library=library)


@pytest.fixture
def staff(librarian_factory, library):
    return librarian_factory(library=library)


def reserve_url(item) -> str:
    return f"/my/items/{item.pk}/reserve/"


def nothing_reserved(item) -> None:
    item.refresh_from_db()
    assert not Request.objects.filter(item=item).exists()
    assert item.status != Item.Status.RESERVED or Request.objects.filter(item=item).exists()


# ---- reserving, through HTTP ----------------------------------------------------------------------


def test_a_reader_reserves_an_item_on_the_shelf(card, item, title):
    response = signed_in(card.user).post(reserve_url(item))
    assert response.status_code == 302
    reservation = Request.objects.get(item=item)
    assert (reservation.kind, reservation.status, reservation.card, reservation.library) == (
        Request.Kind.RESERVATION,
        Request.Status.WAITING,
        card,
        item.library,
    )
    item.refresh_from_db()
    assert item.status == Item.Status.RESERVED
    assert Event.objects.filter(kind=Event.Kind.RESERVED, card=card, title=title).count() == 1
    page = signed_in(card.user).get(response["Location"])
    assert "waiting for the librarian" in page.content.decode()


def test_a_fourth_reservation_is_refused_naming_the_limit(card, library, title_factory):
    items = [add_item(title_factory(format="paper", network=library.network), library) for _ in range(4)]
    client = signed_in(card.user)
    for item in items[:3]:
        assert client.post(reserve_url(item)).status_code == 302
    response = client.post(reserve_url(items[3]))
    assert response.status_code == 409
    assert "3 open reservations" in response.content.decode()
    assert Request.objects.filter(card=card).count() == 3
    items[3].refresh_from_db()
    assert items[3].status == Item.Status.ON_SHELF


def test_a_reading_room_only_item_type_cannot_be_reserved(card, library, item):
    reference = ItemType.objects.create(network=library.network, code="REF", name="Reference")
    CirculationRule.objects.create(library=library, item_type=reference, reading_room_only=True)
    Item.objects.filter(pk=item.pk).update(item_type=reference)
    response = signed_in(card.user).post(reserve_url(item))
    assert response.status_code == 409
    assert "reading room only" in response.content.decode()
    nothing_reserved(item)
    assert item.status == Item.Status.ON_SHELF


def test_an_item_not_reservable_online_says_ask_your_library(card, item, title):
    Item.objects.filter(pk=item.pk).update(reservable_online=False)
    response = signed_in(card.user).post(reserve_url(item))
    assert response.status_code == 409
    assert "ask your library" in response.content.decode()
    nothing_reserved(item)
    # and the book page offers no Reserve button for it, only the advice
    page = signed_in(card.user).get(f"/catalog/titles/{title.pk}/").content.decode()
    assert reserve_url(item) not in page
    assert "ask your library" in page


def test_a_type_not_reservable_online_by_rule_says_ask_your_library(card, library, item):
    CirculationRule.objects.create(library=library, reservable_online=False)
    response = signed_in(card.user).post(reserve_url(item))
    assert response.status_code == 409
    assert "ask your library" in response.content.decode()
    nothing_reserved(item)


def test_a_debtor_cannot_reserve_and_is_told_why(card, item):
    Card.objects.filter(pk=card.pk).update(fines_owed=1200)
    response = signed_in(card.user).post(reserve_url(item))
    assert response.status_code == 403
    assert "12.00 EUR" in response.content.decode() or "pay the fines" in response.content.decode()
    nothing_reserved(item)


def test_an_item_on_loan_tells_the_reader_to_join_the_queue(card, item):
    Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_LOAN)
    response = signed_in(card.user).post(reserve_url(item))
    assert response.status_code == 409
    assert "Join the queue" in response.content.decode()
    nothing_reserved(item)


def test_reserving_the_same_title_twice_is_refused(card, item, title, library):
    second = add_item(title, library)
    client = signed_in(card.user)
    assert client.post(reserve_url(item)).status_code == 302
    response = client.post(reserve_url(second))
    assert response.status_code == 409
    assert "already reserved" in response.content.decode()
    assert Request.objects.filter(card=card).count() == 1
    second.refresh_from_db()
    assert second.status == Item.Status.ON_SHELF


def test_a_blocked_card_cannot_reserve(card, item):
    Card.objects.filter(pk=card.pk).update(status=Card.Status.BLOCKED)
    response = signed_in(card.user).post(reserve_url(item))
    assert response.status_code == 403
    nothing_reserved(item)


def test_anonymous_visitors_are_asked_to_sign_in(item, title):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/catalog/titles/{title.pk}/").content.decode()
    assert "Sign in to reserve" in page
    assert Client().post(reserve_url(item)).status_code == 302
    nothing_reserved(item)


# ---- approval, refusal, cancellation --------------------------------------------------------------


def test_approval_sets_aside_until_three_opening_days_over_a_holiday_and_the_dst_change(
    card, item, library, staff, title
):
    ClosedDay.objects.create(library=library, day=date(2026, 10, 27), name="Holiday", public_holiday=True)
    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    [outcome] = reservations.approve_reservations(librarian=staff, requests=[reservation], now=FRIDAY)
    assert outcome.error is None
    reservation.refresh_from_db()
    hold = reservation.hold
    # Mon 26, (Tue 27 closed), Wed 28, Thu 29 at 18:00 Riga winter time (UTC+2)
    assert hold.pickup_by == datetime(2026, 10, 29, 16, 0, tzinfo=UTC)
    assert (reservation.status, hold.status, hold.item) == (Request.Status.APPROVED, Hold.Status.READY, item)
    item.refresh_from_db()
    assert item.status == Item.Status.SET_ASIDE
    notice = Notice.objects.get(user=card.user)
    assert "29.10.2026 18:00" in notice.body
    assert library.address in notice.body
    assert Event.objects.filter(kind=Event.Kind.RESERVATION_APPROVED, card=card).count() == 1


def test_staff_approve_in_bulk_and_refuse_with_a_reason(card_factory, library, staff, title_factory):
    readers = [card_factory(library=library) for _ in range(3)]
    items = [add_item(title_factory(format="paper", network=library.network), library) for _ in readers]
    asked = [reservations.reserve(card=c, item=i) for c, i in zip(readers, items, strict=True)]
    client = signed_in(staff)
    page = client.get("/staff/reservations/").content.decode()
    assert all(f'value="{r.pk}"' in page for r in asked)
    response = client.post("/staff/reservations/decide/", {"request": [asked[0].pk, asked[1].pk], "action": "approve"})
    assert response.status_code == 302
    assert set(Request.objects.filter(status=Request.Status.APPROVED).values_list("pk", flat=True)) == {
        asked[0].pk,
        asked[1].pk,
    }
    # refusing without a reason: 400 naming it, nothing changed
    response = client.post("/staff/reservations/decide/", {"request": [asked[2].pk], "action": "refuse"})
    assert response.status_code == 400
    assert "reason" in response.content.decode()
    asked[2].refresh_from_db()
    assert asked[2].status == Request.Status.WAITING
    response = client.post(
        "/staff/reservations/decide/", {"request": [asked[2].pk], "action": "refuse", "reason": "Damaged copy"}
    )
    assert response.status_code == 302
    asked[2].refresh_from_db()
    assert (asked[2].status, asked[2].reason) == (Request.Status.REJECTED, "Damaged copy")
    items[2].refresh_from_db()
    assert items[2].status == Item.Status.ON_SHELF
    notice = Notice.objects.get(user=readers[2].user, kind="reservation_refused")
    assert "Damaged copy" in notice.body
    page = client.get("/staff/reservations/").content.decode()
    assert items[0].barcode in page and "Set aside" in page


def test_staff_see_and_decide_only_their_libraries_reservations(card_factory, library_factory, staff, title_factory):
    other = library_factory()
    other_item = add_item(title_factory(format="paper", network=other.network), other)
    foreign = reservations.reserve(card=card_factory(library=other), item=other_item)
    client = signed_in(staff)
    assert f'value="{foreign.pk}"' not in client.get("/staff/reservations/").content.decode()
    response = client.post("/staff/reservations/decide/", {"request": [foreign.pk], "action": "approve"})
    assert response.status_code == 400
    foreign.refresh_from_db()
    assert foreign.status == Request.Status.WAITING


def test_a_phone_only_reader_gets_the_refusal_by_sms(card_factory, library, staff, item, user_factory):
    user = user_factory(email="", phone="+37120000001")
    card = card_factory(library=library, user=user)
    reservation = reservations.reserve(card=card, item=item)
    reservations.refuse_reservations(librarian=staff, requests=[reservation], reason="Reserved for a class")
    notice = Notice.objects.get(user=user)
    assert (notice.kind, notice.channel) == ("reservation_refused_sms", Notice.Channel.SMS)
    assert "Reserved for a class" in notice.body


def test_the_reader_cancels_an_approved_reservation_and_the_item_goes_to_the_next_reader(
    card, card_factory, item, library, staff, title
):
    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    reservations.approve_reservations(librarian=staff, requests=[reservation], now=FRIDAY)
    waiting = card_factory(library=library)
    queued = reservations.join_paper_queue(card=waiting, title=title, library=library, now=FRIDAY)
    response = signed_in(card.user).post(f"/my/reservations/{reservation.pk}/cancel/")
    assert response.status_code == 302
    reservation.refresh_from_db()
    queued.refresh_from_db()
    assert reservation.status == Request.Status.CANCELLED
    assert Hold.objects.get(pk=reservation.hold_id).status == Hold.Status.CANCELLED
    assert (queued.status, queued.item) == (Hold.Status.READY, item)
    assert Event.objects.filter(kind=Event.Kind.RESERVATION_CANCELLED, card=card).count() == 1


def test_my_books_lists_reservations_with_deadline_and_queue_places(card, item, staff, library, title):
    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    reservations.approve_reservations(librarian=staff, requests=[reservation], now=FRIDAY)
    page = signed_in(card.user).get("/my/").content.decode()
    assert "Set aside for you at" in page and library.address in page
    reservation.refresh_from_db()
    assert f"/my/holds/{reservation.hold_id}/give-back/" in page and "I no longer need it" in page


# ---- lapse ---------------------------------------------------------------------------------------


def test_an_uncollected_item_lapses_and_goes_to_the_next_reader(card, card_factory, item, library, staff, title):
    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    reservations.approve_reservations(librarian=staff, requests=[reservation], now=FRIDAY)
    next_reader = card_factory(library=library)
    queued = reservations.join_paper_queue(card=next_reader, title=title, library=library, now=FRIDAY)
    reservation.refresh_from_db()
    deadline = reservation.hold.pickup_by
    assert reservations.lapse_uncollected(now=deadline) == 0  # not before the deadline
    later = deadline + timedelta(minutes=1)
    assert reservations.lapse_uncollected(now=later) == 1
    reservation.refresh_from_db()
    queued.refresh_from_db()
    assert reservation.status == Request.Status.LAPSED
    assert reservation.hold.status == Hold.Status.LAPSED
    assert (queued.status, queued.item) == (Hold.Status.READY, item)
    assert queued.pickup_by > later
    assert Notice.objects.filter(user=card.user, kind="hold_lapsed").count() == 1
    assert Notice.objects.filter(user=next_reader.user, kind="item_set_aside").count() == 1
    lapsed_events = Event.objects.filter(card=card, kind__in=[Event.Kind.HOLD_LAPSED, Event.Kind.RESERVATION_LAPSED])
    assert sorted(lapsed_events.values_list("kind", flat=True)) == ["hold_lapsed", "reservation_lapsed"]
    assert lapsed_events.first().actor_id is None
    assert reservations.lapse_uncollected(now=later) == 0  # a second run changes nothing
    assert Notice.objects.filter(kind="hold_lapsed").count() == 1


def test_a_lapsed_item_with_nobody_waiting_goes_back_to_the_shelf(card, item, staff):
    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    reservations.approve_reservations(librarian=staff, requests=[reservation], now=FRIDAY)
    assert reservations.lapse_uncollected(now=FRIDAY + timedelta(days=30)) == 1
    item.refresh_from_db()
    assert item.status == Item.Status.ON_SHELF


# ---- the queue for a lent item -------------------------------------------------------------------


def lend(item, card, *, started, due, ended=None) -> Loan:
    copy, _ = Copy.objects.get_or_create(
        item=item, defaults={"library": item.library, "title": item.title, "acquired_at": started}
    )
    return Loan.objects.create(
        copy=copy,
        card=card,
        library=item.library,
        title=item.title,
        started_at=started,
        due_at=due,
        ended_at=ended,
        end_reason=Loan.EndReason.RETURNED if ended else "",
    )


def test_the_queue_opens_only_when_every_copy_is_out(card, item, library, title):
    client = signed_in(card.user)
    url = f"/my/titles/{title.pk}/queue/{library.pk}/"
    response = client.post(url)
    assert response.status_code == 409
    assert "reserve it instead" in response.content.decode()
    assert not Hold.objects.exists()
    Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_LOAN)
    assert client.post(url).status_code == 302
    assert Hold.objects.filter(card=card, title=title, status=Hold.Status.WAITING).count() == 1
    assert client.post(url).status_code == 409  # not twice
    assert Hold.objects.filter(card=card).count() == 1


def test_a_debtor_cannot_join_the_queue(card, item, library, title):
    Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_LOAN)
    Card.objects.filter(pk=card.pk).update(fines_owed=10_000)
    response = signed_in(card.user).post(f"/my/titles/{title.pk}/queue/{library.pk}/")
    assert response.status_code == 403
    assert not Hold.objects.exists()


def test_queue_position_expected_date_and_the_median_of_past_returns(card_factory, library, title, item):
    second = add_item(title, library)
    borrowers = [card_factory(library=library) for _ in range(2)]
    now = FRIDAY
    # five past returns after 10, 12, 14, 20, 30 days: median 14
    for days in (10, 12, 14, 20, 30):
        start = now - timedelta(days=100 + days)
        lend(
            item,
            card_factory(library=library),
            started=start,
            due=start + timedelta(days=30),
            ended=start + timedelta(days=days),
        )
    late = lend(item, borrowers[0], started=now - timedelta(days=40), due=now - timedelta(days=10))
    on_time = lend(second, borrowers[1], started=now - timedelta(days=5), due=now + timedelta(days=25))
    Item.objects.filter(pk__in=[item.pk, second.pk]).update(status=Item.Status.ON_LOAN)
    first, then = card_factory(library=library), card_factory(library=library)
    hold_1 = reservations.join_paper_queue(card=first, title=title, library=library, now=now)
    hold_2 = reservations.join_paper_queue(card=then, title=title, library=library, now=now + timedelta(seconds=1))
    place_1 = selectors.paper_queue_place(hold_1, now=now)
    place_2 = selectors.paper_queue_place(hold_2, now=now)
    assert (place_1.position, place_1.expected, place_1.overdue) == (1, late.due_at, True)
    assert (place_2.position, place_2.expected, place_2.overdue) == (2, on_time.due_at, False)
    assert place_1.median_days == 14
    # by the history: the late loan was due back 14 days after check-out (already past: now), the other in 9
    assert place_1.history_expected == now.date()
    assert place_2.history_expected == (on_time.started_at + timedelta(days=14)).date()
    page = signed_in(then.user).get("/my/").content.decode()
    assert "number 2" in page and "14 days (median)" in page


def test_fewer_than_five_returns_show_no_median(card_factory, library, title, item):
    lend(
        item,
        card_factory(library=library),
        started=FRIDAY - timedelta(days=30),
        due=FRIDAY - timedelta(days=1),
        ended=FRIDAY - timedelta(days=20),
    )
    Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_LOAN)
    lend(item, card_factory(library=library), started=FRIDAY - timedelta(days=3), due=FRIDAY + timedelta(days=27))
    hold = reservations.join_paper_queue(card=card_factory(library=library), title=title, library=library, now=FRIDAY)
    assert selectors.paper_queue_place(hold, now=FRIDAY).median_days is None


# ---- the pages around ----------------------------------------------------------------------------


def test_the_book_page_offers_reserve_where_on_the_shelf_and_the_queue_where_all_are_out(
    card, library, library_factory, title, item
):
    branch = library_factory(network=library.network, parent=library, name="Branch North")
    out = add_item(title, branch, status=Item.Status.ON_LOAN)
    page = signed_in(card.user).get(f"/catalog/titles/{title.pk}/").content.decode()
    assert reserve_url(item) in page and f"Reserve at {library.name}" in page
    assert reserve_url(out) not in page
    assert f"/my/titles/{title.pk}/queue/{branch.pk}/" in page and "Join the queue at Branch North" in page


def test_reservations_stay_out_of_the_e_book_ordered_list(card, item, staff):
    reservation = reservations.reserve(card=card, item=item)
    client = signed_in(staff)
    assert f'id="request-{reservation.pk}"' not in client.get("/staff/requests/").content.decode()
    client.post("/staff/requests/decide/", {"request": [reservation.pk], "action": "approve"})
    reservation.refresh_from_db()
    assert reservation.status == Request.Status.WAITING
    assert not Loan.objects.exists()


def test_the_lapse_notice_is_in_the_readers_language(card_factory, library, item, staff, user_factory):
    card = card_factory(library=library, user=user_factory(language="ru"))
    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    reservations.approve_reservations(librarian=staff, requests=[reservation], now=FRIDAY)
    reservations.lapse_uncollected(now=FRIDAY + timedelta(days=30))
    notice = Notice.objects.get(user=card.user, kind="hold_lapsed")
    assert "не получена вовремя" in notice.subject


def test_a_queued_reader_sees_the_item_set_aside_for_them(card, card_factory, item, library, staff, title):
    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    reservations.approve_reservations(librarian=staff, requests=[reservation], now=FRIDAY)
    queued = card_factory(library=library)
    reservations.join_paper_queue(card=queued, title=title, library=library, now=FRIDAY)
    reservations.cancel_reservation(card=card, request=reservation, now=FRIDAY)
    client = signed_in(queued.user)
    assert "Set aside for you at" in client.get("/my/").content.decode()
    page = client.get(f"/catalog/titles/{title.pk}/").content.decode()
    assert "Set aside for you at" in page and reserve_url(item) not in page


def test_another_readers_reservation_and_loan_are_404_to_a_reader(card, card_factory, item, library, title):
    """The reader URLs that name a reservation or a loan find only the signed-in reader's own."""
    from abonement.circulation.tests.paper_loans import paper_loan

    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    loan = paper_loan(card=card, title=title, due_at=datetime.now(UTC) + timedelta(days=10))
    stranger = signed_in(card_factory(library=library).user)
    assert stranger.post(f"/my/reservations/{reservation.pk}/cancel/").status_code == 404
    assert stranger.post(f"/my/loans/{loan.pk}/renew/").status_code == 404
    reservation.refresh_from_db()
    assert reservation.status == Request.Status.WAITING
    assert Loan.objects.get(pk=loan.pk).renewal_count == 0 and not loan.renewals.exists()


# ---- "I no longer need it": giving back a set-aside item ------------------------------------------


def queued_and_set_aside(card, card_factory, item, library, staff, title):
    """`card` is first in the title's queue and the item is set aside for it (another reader gave it back);
    a second reader waits behind."""
    first = reservations.reserve(card=card_factory(library=library), item=item, now=FRIDAY)
    reservations.approve_reservations(librarian=staff, requests=[first], now=FRIDAY)
    hold = reservations.join_paper_queue(card=card, title=title, library=library, now=FRIDAY)
    behind = reservations.join_paper_queue(card=card_factory(library=library), title=title, library=library, now=FRIDAY)
    reservations.cancel_reservation(card=first.card, request=first, now=FRIDAY)
    hold.refresh_from_db()
    assert (hold.status, hold.item) == (Hold.Status.READY, item)
    return hold, behind


def test_a_reader_gives_back_a_book_set_aside_from_the_queue_and_the_next_reader_gets_it(
    card, card_factory, item, library, staff, title
):
    hold, behind = queued_and_set_aside(card, card_factory, item, library, staff, title)
    client = signed_in(card.user)
    assert f"/my/holds/{hold.pk}/give-back/" in client.get("/my/").content.decode()
    response = client.post(f"/my/holds/{hold.pk}/give-back/", follow=True)
    assert response.status_code == 200 and "the book goes to the next reader" in response.content.decode()
    hold.refresh_from_db()
    behind.refresh_from_db()
    assert (hold.status, hold.ended_at is not None) == (Hold.Status.CANCELLED, True)
    assert (behind.status, behind.item) == (Hold.Status.READY, item)
    assert Notice.objects.filter(user=behind.card.user, kind="item_set_aside").count() == 1
    event = Event.objects.get(kind=Event.Kind.QUEUE_LEFT, card=card)
    assert (event.actor, event.details["item"], event.details["given_back"]) == (card.user, item.barcode, True)
    # a second press finds nothing set aside any more: 409 naming the state, nothing changes
    again = client.post(f"/my/holds/{hold.pk}/give-back/")
    assert again.status_code == 409 and "no longer set aside" in again.content.decode()
    behind.refresh_from_db()
    assert behind.status == Hold.Status.READY


def test_a_reader_gives_back_an_approved_reservation_and_the_book_goes_back_to_the_shelf(card, item, staff):
    reservation = reservations.reserve(card=card, item=item, now=FRIDAY)
    reservations.approve_reservations(librarian=staff, requests=[reservation], now=FRIDAY)
    reservation.refresh_from_db()
    response = signed_in(card.user).post(f"/my/holds/{reservation.hold_id}/give-back/")
    assert response.status_code == 302
    reservation.refresh_from_db()
    item.refresh_from_db()
    assert reservation.status == Request.Status.CANCELLED
    assert Hold.objects.get(pk=reservation.hold_id).status == Hold.Status.CANCELLED
    assert item.status == Item.Status.ON_SHELF
    assert Event.objects.get(kind=Event.Kind.RESERVATION_CANCELLED, card=card).details["given_back"] is True


def test_a_waiting_place_in_the_queue_cannot_be_given_back(card, card_factory, item, library, title):
    lend(item, card_factory(library=library), started=FRIDAY, due=FRIDAY + timedelta(days=14))
    item.status = Item.Status.ON_LOAN
    item.save(update_fields=["status"])
    hold = reservations.join_paper_queue(card=card, title=title, library=library, now=FRIDAY)
    response = signed_in(card.user).post(f"/my/holds/{hold.pk}/give-back/")
    assert response.status_code == 409 and "no longer set aside" in response.content.decode()
    hold.refresh_from_db()
    assert hold.status == Hold.Status.WAITING


def test_another_readers_set_aside_book_is_404(card, card_factory, item, library, staff, title):
    hold, _behind = queued_and_set_aside(card, card_factory, item, library, staff, title)
    stranger = signed_in(card_factory(library=library).user)
    assert stranger.post(f"/my/holds/{hold.pk}/give-back/").status_code == 404
    hold.refresh_from_db()
    assert hold.status == Hold.Status.READY


def test_staff_give_back_for_the_reader_at_the_desk_and_on_the_reservations_list(
    card, card_factory, item, library, staff, title, librarian_factory, library_factory
):
    hold, behind = queued_and_set_aside(card, card_factory, item, library, staff, title)
    desk = signed_in(staff)
    assert desk.post("/staff/desk/scan/", {"code": card.number}).status_code == 200
    assert f"/staff/holds/{hold.pk}/give-back/" in desk.get("/staff/desk/").content.decode()
    outsider = signed_in(librarian_factory(library=library_factory()))
    assert outsider.post(f"/staff/holds/{hold.pk}/give-back/").status_code == 404
    response = desk.post(f"/staff/holds/{hold.pk}/give-back/", {"back": "desk"})
    assert response.status_code == 302 and response.url == "/staff/desk/"
    hold.refresh_from_db()
    behind.refresh_from_db()
    assert hold.status == Hold.Status.CANCELLED and behind.status == Hold.Status.READY
    assert Event.objects.get(kind=Event.Kind.QUEUE_LEFT, card=card).actor == staff
    # the reservations list offers the same for the reader now set aside, and returns to itself
    assert f"/staff/holds/{behind.pk}/give-back/" in desk.get("/staff/reservations/").content.decode()
    response = desk.post(f"/staff/holds/{behind.pk}/give-back/")
    assert response.status_code == 302 and response.url == "/staff/reservations/"
    item.refresh_from_db()
    assert item.status == Item.Status.ON_SHELF
