"""Desk circulation (SPEC P7): check-out and check-in by barcode, the rules and bad input of issue #14, and the
desk page through HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import translation

from abonement.catalog.models import Item
from abonement.circulation import desk, setaside
from abonement.circulation.models import CirculationRule, Copy, Hold, Loan, Request
from abonement.core.models import Event
from abonement.libraries.calendar import calendar_for
from abonement.notifications.models import Notice
from abonement.readers.models import Card
from abonement.testing.factories import TEST_PASSWORD

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


@pytest.fixture(autouse=True)
def english():
    """Service messages in English, as the librarians of these tests read them (the site's default is Russian)."""
    with translation.override("en"):
        yield


@pytest.fixture
def library(library_factory):
    return library_factory(max_on_hand=3, timezone="Europe/Riga", pickup_opening_days=3)


@pytest.fixture
def branch(library_factory, library):
    return library_factory(network=library.network, parent=library, name="Branch", timezone="Europe/Riga")


@pytest.fixture
def librarian(librarian_factory, library):
    return librarian_factory(library=library)


@pytest.fixture
def paper(library, title_factory):
    return title_factory(format="paper", network=library.network, title="Paper book")


def item(title, library, barcode, **fields):
    return Item.objects.create(title=title, library=library, barcode=barcode, **fields)


@pytest.fixture
def card(card_factory, library):
    return card_factory(library=library, full_name="Anna Reader")


def state():
    """What a refused desk action must leave as it was."""
    return (
        list(Loan.objects.values_list("id", "ended_at")),
        list(Item.objects.order_by("id").values_list("id", "status", "due_date", "in_transit_to")),
        list(Hold.objects.order_by("id").values_list("id", "status")),
        Copy.objects.count(),
        Event.objects.count(),
    )


@pytest.mark.django_db
class TestCheckOut:
    def test_lends_the_item_for_the_rules_loan_period(self, library, librarian, card, paper):
        CirculationRule.objects.create(library=library, loan_days=14)
        book = item(paper, library, "100001")
        loan = desk.check_out(librarian=librarian, card=card, barcode=" 100001 ", now=NOW)
        due = calendar_for(library).due(NOW, 14)
        assert loan.due_at == due and due >= NOW + timedelta(days=14)
        assert loan.copy.item == book and loan.copy.cost == 0 and loan.issued_by == librarian
        book.refresh_from_db()
        assert book.status == Item.Status.ON_LOAN and book.due_date == calendar_for(library).local_date(due)
        event = Event.objects.get(kind=Event.Kind.CHECKED_OUT)
        assert (event.card, event.title, event.actor) == (card, paper, librarian)
        assert not Notice.objects.exists()

    def test_paper_loans_leave_the_e_book_limit_alone(self, library, librarian, card_factory, paper, title_factory):
        from abonement.circulation import services

        card = card_factory(library=library, max_on_hand=1, lending_mode="self_service")
        item(paper, library, "100009")
        desk.check_out(librarian=librarian, card=card, barcode="100009", now=NOW)
        ebook = title_factory(price=1)
        services.grant_credits(operator=librarian, library=library, amount=5, now=NOW)
        assert services.paid_on_hand(card) == 0
        assert services.take(card=card, title=ebook, now=NOW).title == ebook

    def test_unknown_barcode(self, librarian, card):
        with pytest.raises(desk.UnknownBarcode) as error:
            desk.check_out(librarian=librarian, card=card, barcode="999", now=NOW)
        assert error.value.status == 404 and "999" in str(error.value)

    def test_item_of_another_network_is_unknown(self, librarian, card, library_factory, title_factory):
        other = library_factory()
        item(title_factory(format="paper", network=other.network), other, "555")
        with pytest.raises(desk.UnknownBarcode):
            desk.check_out(librarian=librarian, card=card, barcode="555", now=NOW)

    def test_already_on_loan(self, library, librarian, card, card_factory, paper):
        item(paper, library, "100001")
        desk.check_out(librarian=librarian, card=card, barcode="100001", now=NOW)
        before = state()
        with pytest.raises(desk.ItemOnLoan) as error:
            desk.check_out(librarian=librarian, card=card_factory(library=library), barcode="100001", now=NOW)
        assert error.value.status == 409 and f"on loan to card {card.number} until" in str(error.value)
        assert state() == before

    def test_reading_room_only_rule_and_status(self, library, librarian, card, paper, title_factory):
        reference = Item.objects.create(title=paper, library=library, barcode="R1", status=Item.Status.READING_ROOM)
        lost = item(title_factory(format="paper", network=library.network), library, "L1", status=Item.Status.LOST)
        kind = item(title_factory(format="paper", network=library.network), library, "K1")
        from abonement.catalog.models import ItemType

        kind.item_type = ItemType.objects.create(network=library.network, code="REF", name="Reference")
        kind.save()
        CirculationRule.objects.create(library=library, item_type=kind.item_type, reading_room_only=True)
        before = state()
        for barcode, why in (("R1", "reading room only"), ("K1", "reading room only"), ("L1", "lost")):
            with pytest.raises(desk.ItemNotForLoan) as error:
                desk.check_out(librarian=librarian, card=card, barcode=barcode, now=NOW)
            assert why in str(error.value) and error.value.status == 409
        assert state() == before and reference.pk and lost.pk

    @pytest.mark.parametrize("block", ["blocked", "debtor_overdue", "debtor_fines", "full"])
    def test_blocked_reader_or_debtor_needs_an_override(self, library, librarian, card, paper, title_factory, block):
        library.debtor_fine_threshold = 500
        library.save()
        if block == "blocked":
            Card.objects.filter(pk=card.pk).update(status=Card.Status.BLOCKED)
        elif block == "debtor_fines":
            Card.objects.filter(pk=card.pk).update(fines_owed=700)
        else:
            for n in range(1 if block == "debtor_overdue" else 3):
                title = title_factory(format="paper", network=library.network)
                item(title, library, f"OLD{n}")
                desk.check_out(librarian=librarian, card=card, barcode=f"OLD{n}", now=NOW - timedelta(days=60))
        card.refresh_from_db()
        item(paper, library, "100001")
        before = state()
        with pytest.raises(desk.ReaderBlocked) as error:
            desk.check_out(librarian=librarian, card=card, barcode="100001", now=NOW)
        assert error.value.status == 409
        assert state() == before
        loan = desk.check_out(
            librarian=librarian, card=card, barcode="100001", now=NOW, override_reason="Known reader, pays Monday"
        )
        assert loan.pk
        event = Event.objects.get(kind=Event.Kind.BLOCK_OVERRIDDEN)
        assert event.reason == "Known reader, pays Monday" and event.actor == librarian and event.card == card

    def test_set_aside_for_another_reader(self, library, librarian, card, card_factory, paper):
        book = item(paper, library, "100001")
        other = card_factory(library=library)
        hold = Hold.objects.create(card=other, library=library, title=paper, created_at=NOW)
        setaside.set_aside(item=book, hold=hold, now=NOW)
        before = state()
        with pytest.raises(desk.ItemSetAsideForOther) as error:
            desk.check_out(librarian=librarian, card=card, barcode="100001", now=NOW)
        assert f"set aside for card {other.number}" in str(error.value)
        assert state() == before
        # The reader it waits for collects it: the hold is fulfilled by the loan, their reservation collected.
        reservation = Request.objects.create(
            kind=Request.Kind.RESERVATION,
            card=other,
            library=library,
            title=paper,
            item=book,
            hold=hold,
            status=Request.Status.APPROVED,
            created_at=NOW,
        )
        loan = desk.check_out(librarian=librarian, card=other, barcode="100001", now=NOW)
        hold.refresh_from_db()
        reservation.refresh_from_db()
        assert (hold.status, hold.loan) == (Hold.Status.FULFILLED, loan)
        assert (reservation.status, reservation.loan) == (Request.Status.COLLECTED, loan)

    def test_closes_the_readers_waiting_hold_for_the_title(self, library, librarian, card, paper):
        item(paper, library, "100001")
        hold = Hold.objects.create(card=card, library=library, title=paper, created_at=NOW)
        loan = desk.check_out(librarian=librarian, card=card, barcode="100001", now=NOW)
        hold.refresh_from_db()
        assert (hold.status, hold.loan) == (Hold.Status.FULFILLED, loan)

    def test_a_raw_second_open_loan_of_an_item_is_refused_by_the_database(self, library, librarian, card, paper):
        from django.db import IntegrityError, transaction

        item(paper, library, "100001")
        loan = desk.check_out(librarian=librarian, card=card, barcode="100001", now=NOW)
        with pytest.raises(IntegrityError), transaction.atomic():
            Loan.objects.create(
                copy=loan.copy, card=card, library=library, title=paper, started_at=NOW, due_at=NOW + timedelta(1)
            )


@pytest.mark.django_db
class TestCheckIn:
    def test_back_on_the_shelf(self, library, librarian, card, paper):
        item(paper, library, "100001")
        loan = desk.check_out(librarian=librarian, card=card, barcode="100001", now=NOW)
        outcome = desk.check_in(librarian=librarian, barcode="100001", at_library=library, now=NOW + timedelta(1))
        assert outcome.message == "Back on the shelf"
        loan.refresh_from_db()
        assert loan.end_reason == Loan.EndReason.RETURNED and loan.ended_at == NOW + timedelta(1)
        assert Item.objects.get(barcode="100001").status == Item.Status.ON_SHELF
        assert Event.objects.filter(kind=Event.Kind.CHECKED_IN, card=card).count() == 1

    def test_set_aside_for_the_first_in_line(self, library, librarian, card, card_factory, paper):
        item(paper, library, "100001")
        desk.check_out(librarian=librarian, card=card, barcode="100001", now=NOW)
        first = card_factory(library=library, full_name="Berta First")
        second = card_factory(library=library)
        Hold.objects.create(card=first, library=library, title=paper, created_at=NOW + timedelta(hours=1))
        Hold.objects.create(card=second, library=library, title=paper, created_at=NOW + timedelta(hours=2))
        outcome = desk.check_in(librarian=librarian, barcode="100001", at_library=library, now=NOW + timedelta(1))
        assert outcome.message == f"Set aside for Berta First (card {first.number}), shelf Hold"
        hold = Hold.objects.get(card=first)
        assert hold.status == Hold.Status.READY and hold.pickup_by == calendar_for(library).deadline(
            NOW + timedelta(1), 3
        )
        assert Hold.objects.get(card=second).status == Hold.Status.WAITING
        assert Item.objects.get(barcode="100001").status == Item.Status.SET_ASIDE
        assert Notice.objects.filter(kind="item_set_aside", user=first.user).count() == 1

    def test_item_of_another_branch_is_sent_home_and_passed_on_there(
        self, library, branch, librarian, card, card_factory, paper
    ):
        item(paper, branch, "200001")
        desk.check_out(librarian=librarian, card=card, barcode="200001", now=NOW)
        waiting = card_factory(library=branch)
        Hold.objects.create(card=waiting, library=branch, title=paper, created_at=NOW)
        outcome = desk.check_in(librarian=librarian, barcode="200001", at_library=library, now=NOW + timedelta(1))
        assert outcome.message == "Send to Branch"
        book = Item.objects.get(barcode="200001")
        assert (book.status, book.in_transit_to) == (Item.Status.IN_TRANSIT, branch)
        assert Hold.objects.get(card=waiting).status == Hold.Status.WAITING
        outcome = desk.check_in(librarian=None, barcode="200001", at_library=branch, now=NOW + timedelta(2))
        assert outcome.hold.card == waiting and outcome.loan is None
        assert Item.objects.get(barcode="200001").status == Item.Status.SET_ASIDE

    def test_an_item_not_on_loan_changes_nothing(self, library, librarian, paper):
        item(paper, library, "100001")
        before = state()
        with pytest.raises(desk.ItemNotOnLoan) as error:
            desk.check_in(librarian=librarian, barcode="100001", at_library=library, now=NOW)
        assert "not on loan (status: On the shelf)" in str(error.value)
        assert state() == before

    def test_unknown_barcode(self, library, librarian):
        with pytest.raises(desk.UnknownBarcode):
            desk.check_in(librarian=librarian, barcode="nope", at_library=library, now=NOW)


@pytest.mark.django_db
class TestDeskPage:
    def test_card_then_barcode_checks_out_then_barcode_checks_in(self, library, librarian, card, paper):
        item(paper, library, "100001")
        client = signed_in(librarian)
        page = client.get("/staff/desk/").content.decode()
        assert 'name="code"' in page and "autofocus" in page
        # A scan answers with the desk page itself, one round trip a scan.
        response = client.post("/staff/desk/scan/", {"code": card.number})
        assert response.status_code == 200
        assert "Anna Reader" in response.content.decode() and "Close reader" in response.content.decode()
        assert "Anna Reader" in client.get("/staff/desk/").content.decode()  # the reader stays open
        page = client.post("/staff/desk/scan/", {"code": "100001"}).content.decode()
        assert "Checked out “Paper book” (100001) until" in page and 'role="status"' in page
        assert Loan.objects.get(card=card, ended_at=None).copy.item.barcode == "100001"
        slip = client.get("/staff/desk/slip/").content.decode()
        assert "100001" in slip and "Paper book" in slip and "data-print" in slip
        client.post("/staff/desk/close/")
        page = client.post("/staff/desk/scan/", {"code": "100001"}).content.decode()
        assert "Back on the shelf" in page and "Anna Reader" not in page
        assert not Loan.objects.filter(ended_at=None).exists()

    def test_a_scan_sent_by_desk_js_is_answered_with_the_part_of_the_page_that_changes(
        self, library, librarian, card, paper
    ):
        item(paper, library, "100001")
        client = signed_in(librarian)
        live = {"HTTP_X_DESK_LIVE": "1"}
        opened = client.post("/staff/desk/scan/", {"code": card.number}, **live)
        body = opened.content.decode()
        assert opened.status_code == 200 and "<html" not in body and "Anna Reader" in body
        assert 'name="csrfmiddlewaretoken"' in body and 'id="desk-code"' in body
        refused = client.post("/staff/desk/scan/", {"code": "999"}, **live)
        assert refused.status_code == 404 and 'role="alert"' in refused.content.decode()
        lent = client.post("/staff/desk/scan/", {"code": "100001"}, **live).content.decode()
        assert "Checked out “Paper book” (100001)" in lent and "100001" in lent
        assert Loan.objects.filter(card=card, ended_at=None).count() == 1

    def test_the_reader_panel_renews_a_loan_and_stays_at_the_desk(self, library, librarian, card, paper):
        item(paper, library, "100001")
        client = signed_in(librarian)
        client.post("/staff/desk/scan/", {"code": card.number})
        client.post("/staff/desk/scan/", {"code": "100001"})
        loan = Loan.objects.get(card=card, ended_at=None)
        page = client.get("/staff/desk/").content.decode()
        assert f"/staff/loans/{loan.pk}/renew/" in page and 'data-testid="renew-100001"' in page
        response = client.post(f"/staff/loans/{loan.pk}/renew/", {"back": "desk"})
        assert response.status_code == 302 and response.url == "/staff/desk/"
        renewed = Loan.objects.get(pk=loan.pk)
        assert renewed.renewal_count == 1 and renewed.due_at > loan.due_at
        assert "Renewed until" in client.get("/staff/desk/").content.decode()

    def test_bad_input_is_a_4xx_naming_it_and_changes_nothing(self, library, librarian, card, card_factory, paper):
        item(paper, library, "100001")
        client = signed_in(librarian)
        response = client.post("/staff/desk/scan/", {"code": "424242"})
        assert response.status_code == 404 and "no reader card or item 424242" in response.content.decode()
        assert 'role="alert"' in response.content.decode()
        client.post("/staff/desk/scan/", {"code": card.number})
        assert client.post("/staff/desk/scan/", {"code": "777"}).status_code == 404
        assert client.post("/staff/desk/scan/", {"code": ""}).status_code == 400
        # Another library's card is not found: it is a code nobody knows here.
        stranger = card_factory()
        assert client.post("/staff/desk/scan/", {"code": stranger.number}).status_code == 404
        assert not Loan.objects.exists()

    def test_blocked_reader_asks_for_a_reason_and_the_override_is_logged(self, library, librarian, card, paper):
        Card.objects.filter(pk=card.pk).update(status=Card.Status.BLOCKED)
        item(paper, library, "100001")
        client = signed_in(librarian)
        client.post("/staff/desk/scan/", {"code": card.number})
        page = client.get("/staff/desk/").content.decode()
        assert "is blocked" in page
        response = client.post("/staff/desk/scan/", {"code": "100001"})
        assert response.status_code == 409
        assert 'name="override_reason"' in response.content.decode() and not Loan.objects.exists()
        response = client.post("/staff/desk/scan/", {"code": "100001", "override_reason": "Director allowed"})
        assert response.status_code == 200 and Loan.objects.filter(card=card).count() == 1
        assert Event.objects.get(kind=Event.Kind.BLOCK_OVERRIDDEN).reason == "Director allowed"

    def test_reader_panel_shows_overdue_holds_and_fines(self, library, librarian, card, card_factory, paper):
        library.currency = "EUR"
        library.save()
        item(paper, library, "100001")
        desk.check_out(librarian=librarian, card=card, barcode="100001", now=NOW - timedelta(days=40))
        Card.objects.filter(pk=card.pk).update(fines_owed=250)
        other = card_factory(library=library)
        Hold.objects.create(card=other, library=library, title=paper, created_at=NOW - timedelta(days=3))
        queued_title = paper.__class__.objects.create(format="paper", network=library.network, title="Queued")
        Hold.objects.create(card=other, library=library, title=queued_title, created_at=NOW - timedelta(days=2))
        Hold.objects.create(card=card, library=library, title=queued_title, created_at=NOW - timedelta(days=1))
        client = signed_in(librarian)
        client.post("/staff/desk/scan/", {"code": card.number})
        page = client.get("/staff/desk/").content.decode()
        assert 'class="overdue"' in page and "days overdue" in page
        assert "2.50 EUR" in page and "number 2 in the queue" in page
        assert "overdue books: 1" in page.lower()

    def test_reader_panel_with_50_loans_takes_a_bounded_number_of_queries(
        self, library, librarian, card, title_factory, django_assert_max_num_queries
    ):
        library.max_on_hand = 100
        library.save()
        for n in range(50):
            title = title_factory(format="paper", network=library.network)
            item(title, library, f"B{n}")
            desk.check_out(librarian=librarian, card=card, barcode=f"B{n}", now=NOW)
            Hold.objects.create(
                card=card, library=library, title=title_factory(format="paper", network=library.network), created_at=NOW
            )
        client = signed_in(librarian)
        client.post("/staff/desk/scan/", {"code": card.number})
        with django_assert_max_num_queries(20):
            page = client.get("/staff/desk/").content.decode()
        assert page.count("<tr") >= 51

    def test_reader_pages_are_staff_only(self, card):
        client = signed_in(card.user)
        assert client.get("/staff/desk/").status_code in {302, 403, 404}
        assert client.post("/staff/desk/scan/", {"code": "1"}).status_code in {302, 403, 404}


@pytest.mark.django_db
class TestCodeBothCardAndItem:
    """Cards and items never share a code now; data from before may. The desk then asks, never guesses."""

    def test_the_desk_asks_and_does_what_the_librarian_chooses(self, library, librarian, card, card_factory, paper):
        book = item(paper, library, card.number)
        client = signed_in(librarian)
        before = state()
        response = client.post("/staff/desk/scan/", {"code": card.number})
        page = response.content.decode()
        assert response.status_code == 409
        assert f"{card.number} is both a reader card number and an item barcode" in page
        assert f"Open reader card {card.number}" in page and f"Item with barcode {card.number}" in page
        assert state() == before and "desk_card" not in client.session
        # "Open reader card": the panel opens and nothing is lent
        assert client.post("/staff/desk/scan/", {"code": card.number, "as": "card"}).status_code == 200
        assert client.session["desk_card"] == card.pk and state() == before
        # with that reader open, the same code is asked again; "Item" lends the item to them
        assert client.post("/staff/desk/scan/", {"code": card.number}).status_code == 409
        assert client.post("/staff/desk/scan/", {"code": card.number, "as": "item"}).status_code == 200
        loan = Loan.objects.get(copy__item=book)
        assert loan.card == card and client.session["desk_card"] == card.pk

    def test_a_card_number_that_is_an_item_of_another_network_opens_the_reader(
        self, library, librarian, card, library_factory, title_factory
    ):
        other = library_factory()
        item(title_factory(format="paper", network=other.network), other, card.number)
        client = signed_in(librarian)
        assert client.post("/staff/desk/scan/", {"code": card.number}).status_code == 200
        assert client.session["desk_card"] == card.pk
