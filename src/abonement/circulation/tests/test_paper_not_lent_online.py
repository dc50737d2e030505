"""Fix first (issue #14): the e-lending services lend digital copies only. A reader (or a librarian) who POSTs
the e-book take, request, queue or issue endpoints for a paper title gets a 409 and nothing changes, whatever
the page shows; the e-lending queue machinery never lends a paper copy."""

from datetime import UTC, datetime, timedelta

import pytest

from abonement.catalog.models import Item
from abonement.circulation import services
from abonement.circulation.models import Copy, Hold, Loan, Request
from abonement.collections import services as collections
from abonement.collections.models import Collection, CollectionTitle
from abonement.libraries.models import CreditEntry
from abonement.readers.models import Group
from abonement.testing.clients import signed_in

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MESSAGE = "This is a paper book: reserve it or ask at the library desk"


@pytest.fixture
def library(library_factory):
    library = library_factory(lending_mode="self_service", max_on_hand=5)
    services.grant_credits(operator=None, library=library, amount=10)
    return library


@pytest.fixture
def paper(library, title_factory):
    title = title_factory(format="paper", network=library.network, title="Paper book", price=1)
    Item.objects.create(title=title, library=library, barcode="P0001")
    return title


@pytest.fixture
def card(library, card_factory):
    return card_factory(library=library)


def nothing_changed(library):
    library.refresh_from_db()
    assert not Loan.objects.exists() and not Copy.objects.exists()
    assert not Request.objects.exists() and not Hold.objects.exists()
    assert library.credits == 10 and CreditEntry.objects.filter(kind="acquisition").count() == 0
    assert Item.objects.get(barcode="P0001").status == Item.Status.ON_SHELF


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["take", "request", "queue"])
def test_reader_endpoints_refuse_a_paper_title(library, paper, card, action):
    response = signed_in(card.user).post(f"/my/titles/{paper.pk}/{action}/")
    assert response.status_code == 409
    assert MESSAGE in response.content.decode()
    nothing_changed(library)


@pytest.mark.django_db
def test_forced_issue_refuses_a_paper_title(library, paper, card, librarian_factory):
    client = signed_in(librarian_factory(library=library))
    response = client.post(f"/staff/titles/{paper.pk}/issue/", {"card_number": card.number})
    assert response.status_code == 409
    assert MESSAGE in response.content.decode()
    nothing_changed(library)


@pytest.mark.django_db
def test_approving_a_request_for_a_paper_title_refuses(library, paper, card, librarian_factory):
    # A request row for a paper title (written before the fix, or by hand): approval must not lend a copy.
    request = Request.objects.create(card=card, library=library, title=paper, created_at=NOW)
    client = signed_in(librarian_factory(library=library))
    client.post(f"/staff/readers/{card.pk}/requests/", {"action": "approve", "request": [request.pk]})
    request.refresh_from_db()
    assert request.status == Request.Status.WAITING
    assert not Loan.objects.exists() and not Copy.objects.exists()
    outcome = services.approve_requests(librarian=None, requests=[request], now=NOW)[0]
    assert str(outcome.error) == MESSAGE


@pytest.mark.django_db
def test_mass_issue_refuses_a_collection_with_a_paper_title(library, paper, card, librarian_factory):
    collection = collections.create_collection(library=library, name="Class set")
    CollectionTitle.objects.create(collection=collection, title=paper, position=1)  # add_titles keeps them out
    group = Group.objects.create(library=library, name="5a")
    card.groups.add(group)
    with pytest.raises(services.policies.PaperTitleNotLentOnline):
        collections.mass_issue(librarian=librarian_factory(library=library), collection=collection, groups=[group])
    assert Collection.objects.count() == 1
    nothing_changed(library)


@pytest.mark.django_db
def test_the_e_lending_queue_never_lends_a_paper_copy(library, paper, card, card_factory, title_factory):
    # A paper loan through the item's copy, and a reader waiting for the title at the library.
    item = Item.objects.get(barcode="P0001")
    copy = Copy.objects.create(library=library, title=paper, item=item, acquired_at=NOW)
    loan = Loan.objects.create(
        copy=copy, card=card, library=library, title=paper, started_at=NOW, due_at=NOW + timedelta(days=20)
    )
    waiting = card_factory(library=library)
    Hold.objects.create(card=waiting, library=library, title=paper, created_at=NOW)
    # The due date passing does not end a paper loan (it becomes overdue), and the reader cannot return it online.
    assert services.expire_due_loans(now=NOW + timedelta(days=30)) == 0
    response = signed_in(card.user).post(f"/my/loans/{loan.pk}/return/", {"confirm": "1"})
    assert response.status_code == 409 and "bring it back to the library desk" in response.content.decode()
    loan.refresh_from_db()
    assert loan.ended_at is None
    # Ended (as the desk check-in ends it): neither the return's queue turn nor the sweep lends the copy.
    Loan.objects.filter(pk=loan.pk).update(ended_at=NOW + timedelta(days=1), end_reason="returned")
    assert services.serve_queues(copy_ids=[copy.pk], now=NOW + timedelta(days=1)) == []
    assert services.serve_idle_copies(now=NOW + timedelta(days=1)) == 0
    assert Loan.objects.filter(ended_at__isnull=True).count() == 0
    assert Hold.objects.get(card=waiting).status == Hold.Status.WAITING
