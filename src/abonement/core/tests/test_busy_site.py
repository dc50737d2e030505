"""Any page that writes while another connection holds the database's write lock (a long import on SQLite, a
lock timeout on PostgreSQL) answers 503 "try again", never a 500 — the reader's take and the visit that every
signed-in page records, not only sign-in (accounts/tests/test_busy_database.py)."""

from datetime import date

import pytest

from abonement.accounts.tests.test_busy_database import BUSY, database_write_locked
from abonement.circulation import services
from abonement.circulation.models import Loan
from abonement.core.models import Event
from abonement.reports.models import Visit
from abonement.reports.visits import forget_recorded
from abonement.testing.clients import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def card(library_factory, card_factory):
    library = library_factory(lending_mode="self_service", max_on_hand=2, loan_days=14)
    services.grant_credits(operator=None, library=library, amount=3)
    return card_factory(library=library, birth_date=date(2012, 5, 1))


def test_a_take_answers_busy_and_lends_nothing_while_the_database_is_locked(card, title_factory):
    title = title_factory(title="Dzimtene")
    client = signed_in(card.user)
    client.get("/my/")  # today's visit is recorded before the lock
    events = Event.objects.count()
    with database_write_locked(tables=[Loan._meta.db_table, Event._meta.db_table]):
        response = client.post(f"/my/titles/{title.pk}/take/")
    assert response.status_code == 503
    assert BUSY in response.content.decode()
    assert not Loan.objects.exists() and Event.objects.count() == events
    assert client.post(f"/my/titles/{title.pk}/take/").status_code == 302
    assert Loan.objects.filter(card=card, title=title).count() == 1


def test_a_page_whose_visit_cannot_be_recorded_is_still_shown(card):
    """The visit is a statistic written after the page: a locked table loses that visit, not the page."""
    client = signed_in(card.user)
    Visit.objects.all().delete()
    forget_recorded()  # as in a web process that has not seen this reader today
    with database_write_locked(tables=[Visit._meta.db_table]):
        response = client.get("/my/")
    assert response.status_code == 200
    assert not Visit.objects.exists()
    forget_recorded()
    client.get("/catalog/")
    assert Visit.objects.filter(card=card).count() == 1
