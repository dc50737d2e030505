import io
from datetime import date

import openpyxl
import pytest

from abonement.circulation import services
from abonement.circulation.models import Loan, Request
from abonement.libraries.models import CreditEntry
from abonement.testing.clients import signed_in


@pytest.fixture
def library(library_factory):
    return library_factory(lending_mode="by_request", max_on_hand=3)


@pytest.mark.django_db
class TestOperatorCredits:
    def test_grant_and_history(self, library, operator_factory):
        operator = operator_factory(network=library.network)
        client = signed_in(operator)
        response = client.post(f"/operator/libraries/{library.pk}/credits/", {"amount": "15", "note": "September"})
        assert response.status_code == 302
        library.refresh_from_db()
        assert library.credits == 15
        page = client.get(f"/operator/libraries/{library.pk}/credits/").content.decode()
        assert "Balance: 15 cr." in page and "September" in page and "+15" in page

    @pytest.mark.parametrize(
        ("amount", "message"),
        [
            ("0", "other than zero"),
            ("ten", "Enter a whole number of credits"),
            ("-1", "more credits are needed"),
        ],
    )
    def test_bad_amounts_change_nothing(self, library, operator_factory, amount, message):
        client = signed_in(operator_factory(network=library.network))
        response = client.post(f"/operator/libraries/{library.pk}/credits/", {"amount": amount})
        assert response.status_code in {400, 409}
        assert message in response.content.decode()
        library.refresh_from_db()
        assert library.credits == 0 and not CreditEntry.objects.exists()

    def test_staff_header_shows_the_balance(self, library, librarian_factory):
        services.grant_credits(operator=None, library=library, amount=15)
        html = signed_in(librarian_factory(library=library)).get("/staff/").content.decode()
        assert "Balance: 15 cr." in html


@pytest.mark.django_db
class TestCardTabs:
    def test_on_hand_requests_in_place_and_history_export(
        self, library, librarian_factory, card_factory, title_factory
    ):
        services.grant_credits(operator=None, library=library, amount=5)
        librarian = librarian_factory(library=library)
        card = card_factory(library=library, birth_date=date(2010, 1, 1))
        taken, wanted, refused = (
            title_factory(title="Taken"),
            title_factory(title="Wanted"),
            title_factory(title="Refused"),
        )
        services.force_issue(librarian=librarian, library=library, card_number=card.number, title=taken)
        r1 = services.request_title(card=card, title=wanted)
        r2 = services.request_title(card=card, title=refused)
        client = signed_in(librarian)
        assert "Taken" in client.get(f"/staff/readers/{card.pk}/").content.decode()
        url = f"/staff/readers/{card.pk}/requests/"
        client.post(url, {"action": "approve", "request": [r1.pk]})
        r1.refresh_from_db()
        assert r1.status == Request.Status.APPROVED
        response = client.post(url, {"action": "reject", "request": [r2.pk], "reason": ""})
        assert response.status_code == 400 and "Give the reason" in response.content.decode()
        client.post(url, {"action": "reject", "request": [r2.pk], "reason": "Only for grade 9"})
        r2.refresh_from_db()
        assert r2.status == Request.Status.REJECTED
        history = client.get(f"/staff/readers/{card.pk}/", {"tab": "history"}).content.decode()
        assert "Request rejected: Only for grade 9" in history and "Issued" in history
        export = client.get(f"/staff/readers/{card.pk}/history.xlsx")
        rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
        assert {row[1] for row in rows} >= {"Issued", "Requested", "Request approved", "Request rejected"}
        assert Loan.objects.filter(card=card, ended_at=None).count() == 2

    def test_history_period_must_be_ordered(self, library, librarian_factory, card_factory):
        card = card_factory(library=library)
        client = signed_in(librarian_factory(library=library))
        html = client.get(
            f"/staff/readers/{card.pk}/", {"tab": "history", "start": "2026-02-01", "end": "2026-01-01"}
        ).content.decode()
        assert "The period ends before it starts." in html

    def test_requests_of_another_card_are_not_touched(self, library, librarian_factory, card_factory, title_factory):
        mine, other = card_factory(library=library), card_factory(library=library)
        foreign = services.request_title(card=other, title=title_factory())
        client = signed_in(librarian_factory(library=library))
        client.post(f"/staff/readers/{mine.pk}/requests/", {"action": "approve", "request": [foreign.pk]})
        foreign.refresh_from_db()
        assert foreign.status == Request.Status.WAITING
