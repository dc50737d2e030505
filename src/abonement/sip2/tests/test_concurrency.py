"""A kiosk and a desk lending the same item at the same instant: the kiosks speak SIP2 over real sockets to the
server started in the test, the desks call `circulation.desk.check_out`, each client with its own database
connection (the `Clients` of circulation's test_concurrency.py). Exactly one of them gets the loan."""

import pytest

from abonement.catalog.models import Item
from abonement.circulation.models import Loan
from abonement.circulation.tests.test_concurrency import Clients
from abonement.circulation.tests.test_desk_concurrency import NOW, check_out
from abonement.sip2.tests.test_e2e import logged_in, send

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 10
KIOSKS = 5
DESKS = 5


@pytest.fixture
def clients(transactional_db):
    pool = Clients(KIOSKS + DESKS)
    yield pool
    pool.close()


def test_a_kiosk_and_a_desk_checking_out_one_item_give_one_loan(
    clients, sip_server, kiosk, kiosk_library, card_factory, title_factory
):
    kiosk_library.max_on_hand = ROUNDS + 1
    kiosk_library.save()
    kiosk_readers = [card_factory(library=kiosk_library) for _ in range(KIOSKS)]
    desk_readers = [card_factory(library=kiosk_library).pk for _ in range(DESKS)]
    kiosks = [logged_in(sip_server.port, patron=card.number) for card in kiosk_readers]

    def kiosk_check_out(sip, barcode):
        return send(sip, sip.sip_checkout_request(barcode), sip.sip_checkout_response)["fixed"]["Ok"]

    for round_ in range(ROUNDS):
        title = title_factory(format="paper", network=kiosk_library.network)
        barcode = f"R{round_}"
        Item.objects.create(title=title, library=kiosk_library, barcode=barcode)
        # when five kiosks and five desks scan the same item at the same instant
        results = clients.race(
            [lambda s=sip, b=barcode: kiosk_check_out(s, b) for sip in kiosks]
            + [lambda c=card_id, b=barcode: check_out(c, b, NOW) for card_id in desk_readers]
        )
        # then no errors, one success among all ten, one open loan in the database
        assert results.errors == [], f"round {round_}: {results.errors[:3]}"
        kiosk_answers = results.outcomes[:KIOSKS]
        assert set(kiosk_answers) <= {"0", "1"}, kiosk_answers
        desk_loans = results.of(Loan)
        assert kiosk_answers.count("1") + len(desk_loans) == 1, (kiosk_answers, results.refusal_codes())
        assert results.refusal_codes() == {"item_on_loan": DESKS - len(desk_loans)}
        loans = Loan.objects.filter(copy__item__barcode=barcode)
        assert loans.count() == 1 and loans.get().ended_at is None
        winner = desk_loans[0].card_id if desk_loans else kiosk_readers[kiosk_answers.index("1")].pk
        assert loans.get().card_id == winner
    for sip in kiosks:
        sip.disconnect()
