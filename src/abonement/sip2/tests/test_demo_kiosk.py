"""The demo's kiosk works as the README says: its login, a reader card and an on-shelf barcode."""

from Sip2.sip2 import Sip2

from abonement.catalog.models import Item
from abonement.circulation.models import Loan
from abonement.core.demo import DEMO_PASSWORD, load_demo
from abonement.sip2.demo import KIOSK_INSTITUTION, KIOSK_LOGIN, KIOSK_PASSWORD

README_READER, README_BARCODE = "2000001", "DEMO-00013"


def test_the_readme_kiosk_checks_out_the_readme_book(sip_server):
    load_demo()
    load_demo()  # twice: still one kiosk
    assert Item.objects.get(barcode=README_BARCODE).status == Item.Status.ON_SHELF
    sip = Sip2()
    sip.hostName, sip.hostPort, sip.tlsEnable, sip.loglevel = "127.0.0.1", sip_server.port, False, "CRITICAL"
    sip.institutionId = sip.scLocation = KIOSK_INSTITUTION
    sip.patron, sip.patronpwd = README_READER, DEMO_PASSWORD
    assert sip.connect()
    login = sip.sip_login_response(sip.get_response(sip.sip_login_request(KIOSK_LOGIN, KIOSK_PASSWORD)))
    assert login["fixed"]["Ok"] == "1"
    status = sip.sip_patron_status_response(sip.get_response(sip.sip_patron_status_request()))
    assert status["variable"]["BL"] == ["Y"] and status["variable"]["CQ"] == ["Y"]
    item = sip.sip_item_information_response(sip.get_response(sip.sip_item_information_request(README_BARCODE)))
    assert item["fixed"]["CirculationStatus"] == "03"
    # As the README says: the check-out lends the book to the README reader, the check-in puts it back.
    out = sip.sip_checkout_response(sip.get_response(sip.sip_checkout_request(README_BARCODE)))
    assert out["fixed"]["Ok"] == "1"
    loan = Loan.objects.get(copy__item__barcode=README_BARCODE, ended_at=None)
    assert loan.card.number == README_READER
    back = sip.sip_checkin_response(sip.get_response(sip.sip_checkin_request(README_BARCODE)))
    assert back["fixed"]["Ok"] == "1"
    assert Item.objects.get(barcode=README_BARCODE).status == Item.Status.ON_SHELF
    sip.disconnect()
