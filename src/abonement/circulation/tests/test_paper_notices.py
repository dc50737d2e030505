"""Due-date reminders and overdue notices of paper loans (SPEC N1): counted in opening days, written once."""

from datetime import UTC, datetime, timedelta

import pytest

from abonement.circulation import reminders
from abonement.circulation.tests.paper_loans import general_rule, paper_loan
from abonement.circulation.tests.test_staff_lending_pages import signed_in
from abonement.notifications.models import Notice

pytestmark = pytest.mark.django_db

# Friday 27 November 2026, 18:00 in Riga.
DUE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
MONDAY, TUESDAY, WEDNESDAY = (datetime(2026, 11, day, 8, 0, tzinfo=UTC) for day in (23, 24, 25))


@pytest.fixture
def library(library_factory):
    library = library_factory(
        timezone="Europe/Riga", opening_weekdays="12345", due_reminder_opening_days=2, overdue_notice_every_days=3
    )
    general_rule(library, fine_per_day=25, fine_cap=1000)
    return library


@pytest.fixture
def loan(library, card_factory, title_factory, user_factory):
    card = card_factory(library=library, user=user_factory(language="lv"))
    return paper_loan(card=card, title=title_factory(format="paper", network=library.network), due_at=DUE)


class TestDueReminder:
    def test_sent_n_opening_days_before_once(self, loan):
        assert reminders.send_due_reminders(now=TUESDAY) == 0  # Wednesday is 2 opening days before Friday
        assert reminders.send_due_reminders(now=WEDNESDAY) == 1
        assert reminders.send_due_reminders(now=WEDNESDAY + timedelta(hours=5)) == 0
        notice = Notice.objects.get(kind="due_reminder")
        assert notice.dedupe_key == f"due:{loan.pk}:2026-11-27"
        assert notice.language == "lv" and loan.title.title in notice.body and "27.11.2026 18:00" in notice.body
        assert notice.body.startswith("Lūdzu, atdodiet")

    def test_a_library_with_zero_days_sends_none(self, library, loan):
        library.due_reminder_opening_days = 0
        library.save()
        assert reminders.send_due_reminders(now=WEDNESDAY) == 0

    def test_a_holiday_moves_the_reminder_earlier(self, library, loan):
        from abonement.libraries.models import ClosedDay

        ClosedDay.objects.create(library=library, day=WEDNESDAY.date(), name="Holiday")
        assert reminders.send_due_reminders(now=TUESDAY) == 1

    def test_a_phone_only_reader_gets_an_sms(self, loan):
        user = loan.card.user
        user.email, user.phone = "", "+37120000000"
        user.save()
        assert reminders.send_due_reminders(now=WEDNESDAY) == 1
        assert Notice.objects.get().kind == "due_reminder_sms"


class TestOverdueNotice:
    def test_on_day_one_and_every_n_opening_days(self, loan):
        monday_after = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # overdue day 1 (the weekend is closed)
        assert reminders.send_overdue_notices(now=monday_after - timedelta(days=2)) == 0
        assert reminders.send_overdue_notices(now=monday_after) == 1
        assert reminders.send_overdue_notices(now=monday_after + timedelta(days=2)) == 0  # day 3: no
        assert reminders.send_overdue_notices(now=monday_after + timedelta(days=3)) == 1  # day 4 = 1 + 3
        assert reminders.send_overdue_notices(now=monday_after + timedelta(days=3, hours=2)) == 0
        keys = sorted(Notice.objects.values_list("dedupe_key", flat=True))
        assert keys == [f"overdue:{loan.pk}:1", f"overdue:{loan.pk}:2"]
        first = Notice.objects.get(dedupe_key=f"overdue:{loan.pk}:1")
        assert first.language == "lv" and "0.25 EUR" in first.body
        assert "nokavēta 1 darba diena" in first.body  # in the reader's language

    def test_a_returned_loan_gets_none(self, loan):
        type(loan).objects.filter(pk=loan.pk).update(ended_at=DUE + timedelta(days=1))
        assert reminders.send_overdue_notices(now=DUE + timedelta(days=5)) == 0


def test_my_books_lists_the_overdue_loan_with_days_and_fine(loan):
    from abonement.core import clock

    type(loan).objects.filter(pk=loan.pk).update(due_at=clock.now() - timedelta(days=10))
    type(loan.card.user).objects.filter(pk=loan.card.user_id).update(language="en")
    page = signed_in(loan.card.user).get("/my/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert f'id="overdue-loan-{loan.pk}"' in page.text and "opening days overdue" in page.text
    assert "Fine so far" in page.text
    assert "return the overdue books" in page.text  # the debtor reason
