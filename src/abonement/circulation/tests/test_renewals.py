"""Renewals of paper loans (SPEC P5): the reader asks from My books, staff decide or renew at the desk."""

from datetime import UTC, datetime, timedelta

import pytest

from abonement.catalog.models import Item
from abonement.circulation import renewals
from abonement.circulation.models import Hold, Loan, Renewal
from abonement.circulation.tests.paper_loans import general_rule, paper_loan
from abonement.circulation.tests.test_staff_lending_pages import signed_in
from abonement.core import clock
from abonement.core.models import Event
from abonement.libraries.calendar import calendar_for
from abonement.notifications.models import Notice

pytestmark = pytest.mark.django_db

# Tuesday 20 October 2026, 18:00 in Riga (summer time, UTC+3); summer time ends on Sunday 25 October.
DUE = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
BEFORE = datetime(2026, 10, 19, 9, 0, tzinfo=UTC)
AFTER = datetime(2026, 10, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def library(library_factory):
    library = library_factory(timezone="Europe/Riga", opening_weekdays="12345", debtor_fine_threshold=500)
    general_rule(library, loan_days=14, renewals_allowed=2)
    return library


@pytest.fixture
def card(library, card_factory):
    return card_factory(library=library)


@pytest.fixture
def loan(card, title_factory, library):
    return paper_loan(card=card, title=title_factory(format="paper", network=library.network), due_at=DUE)


def fresh(loan) -> Loan:
    return Loan.objects.select_related("copy__item").get(pk=loan.pk)


def due_in(loan, days: int) -> Loan:
    """Move the loan's due date relative to the real clock, for pages (a view takes its time from core.clock)."""
    due = clock.now() + timedelta(days=days)
    Loan.objects.filter(pk=loan.pk).update(started_at=due - timedelta(days=60), due_at=due)
    return fresh(loan)


def renew_page(client, loan):
    return client.post(f"/my/loans/{loan.pk}/renew/", follow=False)


class TestReaderAsks:
    def test_requested_then_granted_by_staff_from_the_old_due_date_across_dst(
        self, library, card, loan, librarian_factory
    ):
        renewal = renewals.request_renewal(card=card, loan=loan, now=BEFORE)
        assert renewal.status == Renewal.Status.REQUESTED
        assert fresh(loan).due_at == DUE
        assert Event.objects.filter(kind=Event.Kind.RENEWAL_REQUESTED).count() == 1
        staff = signed_in(librarian_factory(library=library))
        assert loan.title.title in staff.get("/staff/renewals/").text
        librarian = librarian_factory(library=library)
        [outcome] = renewals.decide_renewals(librarian=librarian, renewals=[renewal], grant=True, now=BEFORE)
        assert outcome.error is None
        # 14 days after Tuesday 20 October is Tuesday 3 November, 18:00 winter time (UTC+2)
        renewed = fresh(loan)
        assert renewed.due_at == datetime(2026, 11, 3, 16, 0, tzinfo=UTC)
        assert renewed.renewal_count == 1
        assert renewed.copy.item.due_date.isoformat() == "2026-11-03"
        assert Renewal.objects.get(pk=renewal.pk).status == Renewal.Status.GRANTED
        assert Event.objects.filter(kind=Event.Kind.RENEWED, card=card).count() == 1
        notice = Notice.objects.get(kind="renewal_granted")
        assert "03.11.2026 18:00" in notice.body

    def test_granted_at_once_where_the_library_renews_automatically(self, library, card, loan):
        library.automatic_renewal = True
        library.save()
        loan = due_in(loan, 5)
        response = renew_page(signed_in(card.user), loan)
        assert response.status_code == 302
        assert fresh(loan).renewal_count == 1 and fresh(loan).due_at > loan.due_at + timedelta(days=13)

    def test_after_the_due_date_is_refused_with_the_reason_and_nothing_changes(self, library, card, loan):
        loan = due_in(loan, -2)
        response = renew_page(signed_in(card.user), loan)
        assert response.status_code == 409 and "due date has passed" in response.text
        assert fresh(loan).due_at == loan.due_at and fresh(loan).renewal_count == 0
        refused = Renewal.objects.get(loan=loan)
        assert refused.status == Renewal.Status.REFUSED and "due date has passed" in refused.reason
        assert Event.objects.filter(kind=Event.Kind.RENEWAL_REFUSED).count() == 1

    def test_refused_when_others_queue_for_the_title(self, library, card, card_factory, loan):
        Hold.objects.create(card=card_factory(library=library), library=library, title=loan.title, created_at=BEFORE)
        loan = due_in(loan, 5)
        response = renew_page(signed_in(card.user), loan)
        assert response.status_code == 409 and "Other readers are waiting" in response.text
        assert fresh(loan).due_at == loan.due_at

    def test_refused_beyond_the_renewal_limit(self, card, loan):
        Loan.objects.filter(pk=loan.pk).update(renewal_count=2)
        loan = due_in(loan, 5)
        response = renew_page(signed_in(card.user), loan)
        assert response.status_code == 409 and "renewed 2 times" in response.text
        assert fresh(loan).due_at == loan.due_at and fresh(loan).renewal_count == 2

    def test_refused_for_a_debtor(self, card, loan):
        type(card).objects.filter(pk=card.pk).update(fines_owed=500)
        loan = due_in(loan, 5)
        response = renew_page(signed_in(card.user), loan)
        assert response.status_code == 403 and "pay the fines" in response.text
        assert fresh(loan).due_at == loan.due_at and fresh(loan).renewal_count == 0

    def test_a_second_request_while_one_waits_is_refused(self, card, loan):
        renewals.request_renewal(card=card, loan=loan, now=BEFORE)
        with pytest.raises(renewals.RenewalAlreadyRequested):
            renewals.request_renewal(card=card, loan=loan, now=BEFORE)
        assert Renewal.objects.count() == 1

    def test_my_books_shows_renew_then_renewal_requested(self, card, loan):
        loan = due_in(loan, 5)
        reader = signed_in(card.user)
        page = reader.get("/my/").text
        assert f"/my/loans/{loan.pk}/renew/" in page
        assert renew_page(reader, loan).status_code == 302
        page = reader.get("/my/").text
        assert "Renewal requested" in page and f"/my/loans/{loan.pk}/renew/" not in page

    def test_another_readers_loan_is_not_found(self, card_factory, library, loan):
        other = card_factory(library=library)
        assert renew_page(signed_in(other.user), loan).status_code == 404
        assert not Renewal.objects.exists()


class TestStaff:
    def test_staff_may_renew_past_the_due_date_from_now(self, library, librarian_factory, loan):
        renewal = renewals.renew(librarian=librarian_factory(library=library), loan=loan, now=AFTER)
        # from Wednesday 21 October + 14 days = Wednesday 4 November, 18:00 winter time
        assert renewal.due_after == datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
        assert fresh(loan).renewal_count == 1

    def test_staff_grant_through_the_renewals_page(self, library, librarian_factory, card, loan):
        loan = due_in(loan, 5)
        renewal = renewals.request_renewal(card=card, loan=loan)
        staff = signed_in(librarian_factory(library=library))
        response = staff.post("/staff/renewals/decide/", {"renewal": [renewal.pk], "action": "grant"})
        assert response.status_code == 302
        # The new due date is a day (at closing time), so compare library days: a loan due at 17:00 UTC today
        # renewed for 14 days is due at 18:00 Riga (16:00 UTC) of that day, an hour "earlier" by the clock.
        local = calendar_for(library).local_date
        assert fresh(loan).renewal_count == 1
        assert local(fresh(loan).due_at) >= local(loan.due_at) + timedelta(days=14)
        assert Renewal.objects.get(pk=renewal.pk).status == Renewal.Status.GRANTED

    def test_staff_refusal_needs_a_reason_and_tells_the_reader(self, library, librarian_factory, card, loan):
        renewal = renewals.request_renewal(card=card, loan=loan, now=BEFORE)
        staff = signed_in(librarian_factory(library=library))
        response = staff.post("/staff/renewals/decide/", {"renewal": [renewal.pk], "action": "refuse", "reason": ""})
        assert response.status_code == 400
        assert Renewal.objects.get(pk=renewal.pk).status == Renewal.Status.REQUESTED
        staff.post("/staff/renewals/decide/", {"renewal": [renewal.pk], "action": "refuse", "reason": "Reserved"})
        assert Renewal.objects.get(pk=renewal.pk).status == Renewal.Status.REFUSED
        assert "Reserved" in Notice.objects.get(kind="renewal_refused").body
        assert fresh(loan).due_at == DUE

    def test_the_list_shows_only_the_librarians_libraries(self, library_factory, librarian_factory, card, loan):
        renewals.request_renewal(card=card, loan=loan, now=BEFORE)
        other = signed_in(librarian_factory(library=library_factory()))
        assert loan.title.title not in other.get("/staff/renewals/").text
        renewal = Renewal.objects.get()
        other.post("/staff/renewals/decide/", {"renewal": [renewal.pk], "action": "grant"})
        assert Renewal.objects.get().status == Renewal.Status.REQUESTED

    def test_the_desk_renewal_over_a_holiday_lands_on_the_next_opening_day(self, library, librarian_factory, loan):
        from abonement.libraries.models import ClosedDay

        ClosedDay.objects.create(library=library, day=datetime(2026, 11, 3).date(), name="Holiday")
        renewal = renewals.renew(librarian=librarian_factory(library=library), loan=loan, now=BEFORE)
        assert renewal.due_after == datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
        assert Item.objects.get(pk=loan.copy.item_id).due_date.isoformat() == "2026-11-04"
