"""The reader's side of lending over HTTP: the book page's one action, My books, and clear 4xx refusals."""

import re
from datetime import date

import pytest

from abonement.circulation import services
from abonement.circulation.models import Copy, Hold, Loan, Request
from abonement.testing.clients import signed_in


@pytest.fixture
def library(library_factory):
    library = library_factory(lending_mode="self_service", max_on_hand=2, loan_days=14)
    services.grant_credits(operator=None, library=library, amount=3)
    return library


@pytest.fixture
def card(card_factory, library):
    return card_factory(library=library, birth_date=date(2012, 5, 1))


@pytest.mark.django_db
class TestBookPageAction:
    def test_take_then_read_then_return(self, card, title_factory):
        title = title_factory(title="Dzimtene")
        client = signed_in(card.user)
        page = client.get(f"/catalog/titles/{title.pk}/").content.decode()
        assert f'action="/my/titles/{title.pk}/take/"' in page
        response = client.post(f"/my/titles/{title.pk}/take/")
        assert response.status_code == 302
        page = client.get(f"/catalog/titles/{title.pk}/").content.decode()
        assert "On loan until" in page and "23:59" in page
        shelf = client.get("/my/").content.decode()
        assert "Dzimtene" in shelf and "On loan until" in shelf
        loan = Loan.objects.get(card=card)
        assert client.post(f"/my/loans/{loan.pk}/return/", {"confirm": "1"}).status_code == 302
        loan.refresh_from_db()
        assert loan.end_reason == "returned"
        assert "Dzimtene" in client.get("/my/", {"tab": "archive"}).content.decode()

    def test_the_last_day_shown_is_the_library_s(self, library_factory, card_factory, title_factory):
        """A loan ends at 23:59 of its last day where the library is: in New York that is already the next day
        on the server's clock (Europe/Riga), and the pages must show the New York date."""
        library = library_factory(lending_mode="self_service", loan_days=14, timezone="America/New_York")
        card = card_factory(library=library)
        title = title_factory(title="Dzimtene", is_free=True, price=0)
        client = signed_in(card.user)
        assert client.post(f"/my/titles/{title.pk}/take/").status_code == 302
        loan = Loan.objects.get(card=card)
        last_day, next_day = loan.last_day.strftime("%d.%m.%Y"), loan.due_at.strftime("%d.%m.%Y")
        assert last_day != next_day  # the due moment is past midnight in UTC
        for page in (client.get(f"/catalog/titles/{title.pk}/"), client.get("/my/")):
            text = page.content.decode()
            assert f"On loan until {last_day}" in text and next_day not in text

    def test_by_request_reader_requests_and_cancels(self, card, title_factory):
        card.lending_mode = "by_request"
        card.save()
        title = title_factory()
        client = signed_in(card.user)
        assert f'action="/my/titles/{title.pk}/request/"' in client.get(f"/catalog/titles/{title.pk}/").content.decode()
        client.post(f"/my/titles/{title.pk}/request/")
        assert "Requested. Issue date unknown" in client.get("/my/").content.decode()
        again = client.post(f"/my/titles/{title.pk}/request/")
        assert again.status_code == 409 and "already requested" in again.content.decode()
        request = Request.objects.get(card=card)
        client.post(f"/my/requests/{request.pk}/cancel/")
        request.refresh_from_db()
        assert request.status == "cancelled"

    def test_queue_when_no_copy_may_be_acquired(self, card, card_factory, library, title_factory):
        library.self_service_acquisition = False
        library.save()
        title = title_factory()
        Copy.objects.create(library=library, title=title, acquired_at=library.created_at)
        holder = card_factory(library=library)
        services.take(card=holder, title=title)
        client = signed_in(card.user)
        assert f'action="/my/titles/{title.pk}/queue/"' in client.get(f"/catalog/titles/{title.pk}/").content.decode()
        client.post(f"/my/titles/{title.pk}/queue/")
        shelf = client.get("/my/", {"tab": "queued"}).content.decode()
        assert "In queue: number 1" in shelf and "expected about" in shelf
        hold = Hold.objects.get(card=card)
        client.post(f"/my/holds/{hold.pk}/leave/")
        hold.refresh_from_db()
        assert hold.status == "cancelled"

    def test_no_queue_where_no_copy_will_ever_come_back(self, card, library, title_factory):
        """Issue #13: no copy in the library and none it may get by itself: a queue would never move, so the
        page offers a request to the librarian and says why, and joining the queue is refused."""
        library.self_service_acquisition = False
        library.save()
        title = title_factory()
        client = signed_in(card.user)
        page = re.sub(r"\s+", " ", client.get(f"/catalog/titles/{title.pk}/").content.decode())
        assert f'action="/my/titles/{title.pk}/queue/"' not in page
        assert f'action="/my/titles/{title.pk}/request/"' in page
        assert "The library has no copy of this book and cannot get one by itself" in page
        response = client.post(f"/my/titles/{title.pk}/queue/")
        assert response.status_code == 409
        assert "a queue for it would never move" in response.content.decode()
        assert not Hold.objects.exists()
        assert client.post(f"/my/titles/{title.pk}/request/").status_code == 302
        assert Request.objects.get(card=card, title=title).status == "waiting"

    def test_return_asks_first_without_javascript(self, card, title_factory):
        """Issue #13: "Return" returned at once. Both pages put the confirming form inside a <details> (opened
        by its summary, from the keyboard too); a return posted without the confirmation gets a confirm page."""
        title = title_factory(title="Dzimtene")
        client = signed_in(card.user)
        loan = services.take(card=card, title=title)
        confirm_form = (
            r'<details class="confirm-return">\s*<summary>{label}</summary>\s*'
            rf'<form method="post" action="/my/loans/{loan.pk}/return/"[^>]*>.*?'
            r'<input type="hidden" name="confirm" value="1">\s*<p>Return “Dzimtene” now\?.*?</p>\s*'
            r'<button type="submit">Yes, return it</button>\s*</form>\s*</details>'
        )
        shelf = client.get("/my/").content.decode()
        assert re.search(confirm_form.format(label="Return"), shelf, re.S)
        book = client.get(f"/catalog/titles/{title.pk}/").content.decode()
        assert re.search(confirm_form.format(label="Return early"), book, re.S)
        unconfirmed = client.post(f"/my/loans/{loan.pk}/return/")
        assert unconfirmed.status_code == 200
        page = unconfirmed.content.decode()
        assert "Return the book?" in page and 'name="confirm" value="1"' in page
        loan.refresh_from_db()
        assert loan.ended_at is None
        assert client.post(f"/my/loans/{loan.pk}/return/", {"confirm": "1"}).status_code == 302
        loan.refresh_from_db()
        assert loan.end_reason == "returned"

    def test_want_to_read(self, card, title_factory):
        """Issue #13: "Defer" next to "Return" read like "postpone the return": it is "Want to read"."""
        title = title_factory(title="Later")
        client = signed_in(card.user)
        book = client.get(f"/catalog/titles/{title.pk}/").content.decode()
        assert re.search(r'<button type="submit" class="secondary" aria-pressed="false">Want to read</button>', book)
        assert ">Defer<" not in book
        response = client.post(f"/my/titles/{title.pk}/defer/", follow=True)
        assert "Added to “Want to read” in My books." in response.content.decode()
        assert "Want to read ✓" in client.get(f"/catalog/titles/{title.pk}/").content.decode()
        shelf = client.get("/my/", {"tab": "deferred"}).content.decode()
        assert "Later" in shelf and "Want to read (1)" in shelf and "Deferred" not in shelf

    def test_anonymous_sees_sign_in(self, client, title_factory):
        title = title_factory()
        assert "Sign in to take or request this book" in client.get(f"/catalog/titles/{title.pk}/").content.decode()


@pytest.mark.django_db
class TestRefusals:
    def test_above_age_is_403_and_changes_nothing(self, card, title_factory):
        title = title_factory(age_rating=18)
        response = signed_in(card.user).post(f"/my/titles/{title.pk}/take/")
        assert response.status_code == 403 and "rated 18+" in response.content.decode()
        assert not Loan.objects.exists() and not Copy.objects.exists()

    def test_balance_cannot_pay(self, card, title_factory):
        response = signed_in(card.user).post(f"/my/titles/{title_factory(price=9).pk}/take/")
        assert response.status_code == 409 and "6 more credits are needed" in response.content.decode()

    def test_someone_elses_loan_request_or_hold_is_404(self, card, card_factory, library, title_factory):
        other = card_factory(library=library)
        loan = services.take(card=other, title=title_factory())
        other.lending_mode = "by_request"
        other.save()
        request = services.request_title(card=other, title=title_factory())
        client = signed_in(card.user)
        assert client.post(f"/my/loans/{loan.pk}/return/").status_code == 404
        assert client.post(f"/my/requests/{request.pk}/cancel/").status_code == 404
        loan.refresh_from_db()
        request.refresh_from_db()
        assert loan.ended_at is None and request.status == "waiting"

    def test_forced_issue_unknown_and_blocked_cards(
        self, card, card_factory, library, librarian_factory, title_factory
    ):
        title = title_factory()
        client = signed_in(librarian_factory(library=library))
        unknown = client.post(f"/staff/titles/{title.pk}/issue/", {"card_number": "424242"})
        assert unknown.status_code == 404 and "There is no reader card 424242" in unknown.content.decode()
        blocked = card_factory(library=library, status="blocked")
        response = client.post(f"/staff/titles/{title.pk}/issue/", {"card_number": blocked.number})
        assert response.status_code == 403 and "is blocked" in response.content.decode()
        ok = client.post(f"/staff/titles/{title.pk}/issue/", {"card_number": card.number})
        assert ok.status_code == 302
        assert Loan.objects.get().card == card
