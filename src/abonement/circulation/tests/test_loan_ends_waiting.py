"""Issue #13: any loan of a title to a card ends that card's place in the title's queue and its request, whatever
path lent it (take, forced issue, approval, queue turn, mass issue) — My books never says both "On loan until"
and "In queue" for one book, and the readers behind move up."""

import re
from datetime import date

import pytest

from abonement.circulation import services
from abonement.circulation.models import Copy, Hold, Loan, Request
from abonement.collections import services as collections
from abonement.core import clock
from abonement.core.models import Event
from abonement.readers.models import Group
from abonement.testing.clients import signed_in

pytestmark = pytest.mark.django_db


def shelf(client) -> str:
    return re.sub(r"\s+", " ", client.get("/my/").content.decode())


@pytest.fixture
def library(library_factory):
    library = library_factory(lending_mode="self_service", max_on_hand=5, loan_days=14)
    services.grant_credits(operator=None, library=library, amount=20)
    library.refresh_from_db()
    return library


@pytest.fixture
def title(title_factory):
    return title_factory(title="Dzimtene", price=1)


@pytest.fixture
def line(library, card_factory, title):
    """Two readers queued for the title (its one copy is on loan to a third) and the first one's request of it."""
    holder, first, second = (card_factory(library=library, birth_date=date(2010, 1, 1)) for _ in range(3))
    Copy.objects.create(library=library, title=title, acquired_at=clock.now())
    services.take(card=holder, title=title)
    services.join_queue(card=first, title=title)
    services.join_queue(card=second, title=title)
    services.request_title(card=first, title=title)
    return holder, first, second


def assert_first_got_it(first, second, title, *, decided_by=None):
    loan = Loan.objects.get(card=first, title=title, ended_at=None)
    page = shelf(signed_in(first.user))
    assert "On loan until" in page
    assert "In queue: number" not in page and "Requested. Issue date unknown" not in page
    hold = Hold.objects.get(card=first, title=title)
    assert (hold.status, hold.loan) == (Hold.Status.FULFILLED, loan)
    request = Request.objects.get(card=first, title=title)
    assert (request.status, request.loan, request.decided_by) == (Request.Status.APPROVED, loan, decided_by)
    assert Event.objects.filter(kind=Event.Kind.REQUEST_APPROVED, card=first, title=title).count() == 1
    # the reader behind moves up
    assert "In queue: number 1" in shelf(signed_in(second.user))


def test_mass_issue(library, line, title, librarian_factory):
    _holder, first, second = line
    group = Group.objects.create(library=library, name="5 A")
    first.groups.add(group)
    collection = collections.create_collection(library=library, name="Latvian classics")
    collections.add_titles(collection=collection, titles=[title])
    librarian = librarian_factory(library=library)
    staff = signed_in(librarian)
    summary = staff.post(f"/staff/collections/{collection.pk}/issue/", {"group": [group.pk]})
    assert "In the queue or requested" in re.sub(r"\s+", " ", summary.content.decode())
    response = staff.post(f"/staff/collections/{collection.pk}/issue/", {"group": [group.pk], "confirm": "1"})
    assert response.status_code == 302
    assert_first_got_it(first, second, title, decided_by=librarian)


def test_forced_issue(library, line, title, librarian_factory):
    _holder, first, second = line
    librarian = librarian_factory(library=library)
    response = signed_in(librarian).post(f"/staff/titles/{title.pk}/issue/", {"card_number": first.number})
    assert response.status_code == 302
    assert_first_got_it(first, second, title, decided_by=librarian)


def test_take(library, line, title):
    _holder, first, second = line
    Copy.objects.create(library=library, title=title, acquired_at=clock.now())  # a second copy, not yet served
    assert signed_in(first.user).post(f"/my/titles/{title.pk}/take/").status_code == 302
    assert_first_got_it(first, second, title)


def test_queue_turn(line, title):
    holder, first, second = line
    loan = Loan.objects.get(card=holder, title=title)
    assert signed_in(holder.user).post(f"/my/loans/{loan.pk}/return/", {"confirm": "1"}).status_code == 302
    assert_first_got_it(first, second, title)


def test_approval(library, line, title, librarian_factory):
    _holder, first, second = line
    librarian = librarian_factory(library=library)
    request = Request.objects.get(card=first, title=title)
    [outcome] = services.approve_requests(librarian=librarian, requests=[request])
    assert outcome.error is None
    assert_first_got_it(first, second, title, decided_by=librarian)
