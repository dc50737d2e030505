"""End to end over a real TCP socket, driven by the independent `sip2` client from PyPI (Sip2 1.1): login,
status, patron information, check-out, check-in, renewal, fee paid, and the bad input of issue #15."""

from datetime import timedelta

import pytest
from Sip2.sip2 import Sip2

from abonement.catalog.models import Item
from abonement.circulation.models import CirculationRule, FineEntry, Loan
from abonement.core import clock
from abonement.core.models import Event
from abonement.readers.models import Card
from abonement.sip2.models import SipAccount
from abonement.sip2.tests.conftest import KIOSK_PASSWORD
from abonement.testing.factories import TEST_PASSWORD


def client(port: int, *, patron: str = "", password: str = TEST_PASSWORD) -> Sip2:
    sip = Sip2()
    sip.hostName, sip.hostPort, sip.tlsEnable, sip.socketTimeout = "127.0.0.1", port, False, 10
    sip.loglevel, sip.institutionId, sip.scLocation = "CRITICAL", "CENTRAL", "CENTRAL"
    sip.patron, sip.patronpwd = patron, password
    assert sip.connect()
    return sip


def send(sip: Sip2, request: str, parse):
    return parse(sip.get_response(request))


def closed_on(sip: Sip2, request: str) -> bool:
    """Whether the server hangs up instead of answering (the client library cannot tell an empty answer apart)."""
    sip._socket.sendall(request.encode())
    return sip._socket.recv(100) == b""


def logged_in(port: int, **kwargs) -> Sip2:
    sip = client(port, **kwargs)
    answer = send(sip, sip.sip_login_request("kiosk1", KIOSK_PASSWORD), sip.sip_login_response)
    assert answer["fixed"]["Ok"] == "1"
    return sip


@pytest.fixture
def title(title_factory, kiosk_library):
    return title_factory(format="paper", network=kiosk_library.network, title="Kiosk book")


@pytest.fixture
def book(title, kiosk_library):
    return Item.objects.create(title=title, library=kiosk_library, barcode="KB0001")


@pytest.fixture
def reader(card_factory, kiosk_library):
    card = card_factory(library=kiosk_library, number="K1001", full_name="Kiosk Reader")
    card.user.language = "en"
    card.user.save()
    return card


def unchanged():
    return (
        list(Loan.objects.values_list("id", "ended_at", "due_at")),
        list(Item.objects.order_by("id").values_list("id", "status")),
        list(Card.objects.order_by("id").values_list("id", "fines_owed")),
        Event.objects.exclude(kind__startswith="login").count(),
    )


def test_login_status_patron_checkout_checkin(sip_server, kiosk, book, reader):
    sip = logged_in(sip_server.port, patron=reader.number)
    status = send(sip, sip.sip_sc_status_request(), sip.sip_sc_status_response)
    assert status["fixed"]["OnlineStatus"] == "Y" and status["variable"]["AO"] == ["CENTRAL"]
    assert status["variable"]["BX"] == ["YYYNYYYYYYYNNNYY"]

    info = send(sip, sip.sip_patron_information_request("charged"), sip.sip_patron_information_response)
    assert info["variable"]["AE"] == ["Kiosk Reader"] and info["variable"]["CQ"] == ["Y"]
    assert info["fixed"]["ChargedItemsCount"] == "0000"

    out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
    assert out["fixed"]["Ok"] == "1", out
    loan = Loan.objects.get(ended_at__isnull=True)
    assert loan.card == reader and loan.issued_by == kiosk.user
    event = Event.objects.get(kind=Event.Kind.CHECKED_OUT)
    assert event.actor == kiosk.user and event.details["item"] == "KB0001"

    info = send(sip, sip.sip_patron_information_request("charged"), sip.sip_patron_information_response)
    assert info["fixed"]["ChargedItemsCount"] == "0001" and info["variable"]["AU"] == ["KB0001"]

    item = send(sip, sip.sip_item_information_request("KB0001"), sip.sip_item_information_response)
    assert item["fixed"]["CirculationStatus"] == "04" and item["variable"]["AJ"] == ["Kiosk book"]

    back = send(sip, sip.sip_checkin_request("KB0001"), sip.sip_checkin_response)
    assert back["fixed"]["Ok"] == "1" and back["fixed"]["Alert"] == "N"
    loan.refresh_from_db()
    assert loan.ended_at is not None
    book.refresh_from_db()
    assert book.status == Item.Status.ON_SHELF
    sip.disconnect()
    kiosk.refresh_from_db()
    assert kiosk.last_seen_at is not None


def test_checkout_of_a_book_the_reader_has_renews_it(sip_server, kiosk, kiosk_library, book, reader):
    kiosk_library.automatic_renewal = True
    kiosk_library.save()
    CirculationRule.objects.create(library=kiosk_library, loan_days=14, renewals_allowed=2)
    sip = logged_in(sip_server.port, patron=reader.number)
    assert send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)["fixed"]["Ok"] == "1"
    due = Loan.objects.get().due_at
    again = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
    assert again["fixed"]["Ok"] == "1" and again["fixed"]["RenewalOk"] == "Y"
    renewed = send(sip, sip.sip_renew_request("KB0001"), sip.sip_renew_response)
    assert renewed["fixed"]["Ok"] == "1"
    loan = Loan.objects.get()
    assert loan.renewal_count == 2 and loan.due_at > due


def test_fee_paid(sip_server, kiosk, reader):
    Card.objects.filter(pk=reader.pk).update(fines_owed=300)
    sip = logged_in(sip_server.port, patron=reader.number)
    paid = send(sip, sip.sip_fee_paid_request(1, 0, "1.50"), sip.sip_fee_paid_response)
    assert paid["fixed"]["PaymentAccepted"] == "Y"
    reader.refresh_from_db()
    assert reader.fines_owed == 150
    assert FineEntry.objects.get(kind=FineEntry.Kind.PAYMENT).amount == -150
    over = send(sip, sip.sip_fee_paid_request(1, 0, "9.00"), sip.sip_fee_paid_response)
    assert over["fixed"]["PaymentAccepted"] == "N" and over["variable"]["AF"][0]
    reader.refresh_from_db()
    assert reader.fines_owed == 150


class TestBadInput:
    def test_unknown_patron(self, sip_server, kiosk, book):
        sip = logged_in(sip_server.port, patron="NOPE")
        before = unchanged()
        out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and "NOPE" in out["variable"]["AF"][0]
        info = send(sip, sip.sip_patron_status_request(), sip.sip_patron_status_response)
        assert info["variable"]["BL"] == ["N"]
        assert unchanged() == before

    def test_unknown_item(self, sip_server, kiosk, reader):
        sip = logged_in(sip_server.port, patron=reader.number)
        out = send(sip, sip.sip_checkout_request("NOBOOK"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and "NOBOOK" in out["variable"]["AF"][0]
        item = send(sip, sip.sip_item_information_request("NOBOOK"), sip.sip_item_information_response)
        assert item["fixed"]["CirculationStatus"] == "01" and item["variable"]["AF"]

    def test_reading_room_only(self, sip_server, kiosk, book, reader):
        Item.objects.filter(pk=book.pk).update(status=Item.Status.READING_ROOM)
        sip = logged_in(sip_server.port, patron=reader.number)
        before = unchanged()
        out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and "reading room" in out["variable"]["AF"][0]
        assert unchanged() == before

    def test_debtor(self, sip_server, kiosk, book, reader):
        Card.objects.filter(pk=reader.pk).update(fines_owed=900)
        sip = logged_in(sip_server.port, patron=reader.number)
        before = unchanged()
        out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and "9.00" in out["variable"]["AF"][0]
        status = send(sip, sip.sip_patron_status_request(), sip.sip_patron_status_response)
        assert status["fixed"]["PatronStatus"][0] == "Y"
        assert unchanged() == before

    def test_blocked_card(self, sip_server, kiosk, book, reader):
        Card.objects.filter(pk=reader.pk).update(status=Card.Status.BLOCKED)
        sip = logged_in(sip_server.port, patron=reader.number)
        before = unchanged()
        out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and "blocked" in out["variable"]["AF"][0].lower()
        assert unchanged() == before

    def test_checkin_of_an_item_not_on_loan(self, sip_server, kiosk, book):
        sip = logged_in(sip_server.port)
        before = unchanged()
        back = send(sip, sip.sip_checkin_request("KB0001"), sip.sip_checkin_response)
        assert back["fixed"]["Ok"] == "0" and "not on loan" in back["variable"]["AF"][0]
        assert unchanged() == before

    def test_screen_message_in_the_readers_language(self, sip_server, kiosk, book, reader):
        reader.user.language = "ru"
        reader.user.save()
        Item.objects.filter(pk=book.pk).update(status=Item.Status.READING_ROOM)
        sip = logged_in(sip_server.port, patron=reader.number)
        out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and "KB0001" in out["variable"]["AF"][0]
        assert any("\u0400" <= ch <= "\u04ff" for ch in out["variable"]["AF"][0])


class TestSecurity:
    def test_wrong_kiosk_password_is_refused_logged_and_throttled(self, sip_server, kiosk, settings):
        sip = client(sip_server.port)
        for _ in range(8):
            answer = send(sip, sip.sip_login_request("kiosk1", "wrong"), sip.sip_login_response)
            assert answer["fixed"]["Ok"] == "0"
        assert Event.objects.filter(kind=Event.Kind.LOGIN_FAILED, details__channel="sip2").count() == 8
        answer = send(sip, sip.sip_login_request("kiosk1", KIOSK_PASSWORD), sip.sip_login_response)
        assert answer["fixed"]["Ok"] == "0"  # the right password, but throttled
        assert Event.objects.filter(kind=Event.Kind.LOGIN_THROTTLED, details__channel="sip2").exists()

    def test_no_message_before_login(self, sip_server, kiosk, reader):
        sip = client(sip_server.port, patron=reader.number)
        assert closed_on(sip, sip.sip_patron_status_request())

    def test_patron_details_only_with_the_password(self, sip_server, kiosk, book, reader):
        sip = logged_in(sip_server.port, patron=reader.number, password="not-it")
        info = send(sip, sip.sip_patron_information_request("charged"), sip.sip_patron_information_response)
        assert info["variable"]["CQ"] == ["N"] and info["variable"]["AE"] == [""]
        assert "AU" not in info["variable"]
        out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and not Loan.objects.exists()

    def test_permissions_are_checked_on_every_message(self, sip_server, kiosk, book, reader):
        sip = logged_in(sip_server.port, patron=reader.number)
        SipAccount.objects.filter(pk=kiosk.pk).update(may_checkout=False)
        out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and not Loan.objects.exists()
        SipAccount.objects.filter(pk=kiosk.pk).update(active=False)
        assert closed_on(sip, sip.sip_sc_status_request())

    def test_a_kiosk_of_another_network_sees_nothing(self, sip_server, kiosk, book, reader, library_factory):
        other = library_factory(name="Elsewhere")
        from abonement.sip2 import services

        services.create_account(library=other, login="kiosk1", password=KIOSK_PASSWORD, institution_id="ELSE")
        sip = client(sip_server.port, patron=reader.number)
        sip.institutionId = sip.scLocation = "ELSE"  # two kiosks named kiosk1: CP names the institution
        answer = send(sip, sip.sip_login_request("kiosk1", KIOSK_PASSWORD), sip.sip_login_response)
        assert answer["fixed"]["Ok"] == "1"
        status = send(sip, sip.sip_patron_status_request(), sip.sip_patron_status_response)
        assert status["variable"]["BL"] == ["N"]
        item = send(sip, sip.sip_item_information_request("KB0001"), sip.sip_item_information_response)
        assert item["fixed"]["CirculationStatus"] == "01" and "AQ" not in item["variable"]
        out = send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)
        assert out["fixed"]["Ok"] == "0" and not Loan.objects.exists()


def test_overdue_loans_are_listed(sip_server, kiosk, book, reader):
    sip = logged_in(sip_server.port, patron=reader.number)
    assert send(sip, sip.sip_checkout_request("KB0001"), sip.sip_checkout_response)["fixed"]["Ok"] == "1"
    Loan.objects.update(started_at=clock.now() - timedelta(days=20), due_at=clock.now() - timedelta(days=3))
    info = send(sip, sip.sip_patron_information_request("overdue"), sip.sip_patron_information_response)
    assert info["fixed"]["OverdueItemsCount"] == "0001" and info["variable"]["AT"] == ["KB0001"]
