"""The reader's side: HTTP Basic (throttled as the login form), the shelf, borrow through the lending
services with an OPDS status, problem documents for what the services refuse."""

import json

import feedparser
from django.test import override_settings

from abonement.circulation.models import Hold, Loan, Request
from abonement.core.models import Event
from abonement.opds.tests.conftest import basic


def test_shelf_without_credentials_asks_for_them(opds, library):
    response = opds.get(f"/opds/{library.pk}/shelf/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Basic realm="Abonement')
    assert "opds-spec.org/auth/document" in response["Link"]
    assert response["Content-Type"] == "application/problem+json"


def test_wrong_password_is_401_and_counted_like_the_login_form(opds, library, card):
    response = opds.get(f"/opds/{library.pk}/shelf/", card=card, password="wrong")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response
    problem = json.loads(response.content)
    assert problem["status"] == 401 and "password" in problem["detail"]
    assert Event.objects.filter(kind=Event.Kind.LOGIN_FAILED).count() == 1


def test_garbled_authorization_header_is_401(opds, library):
    for header in ("Basic !!!", "Basic " + "bm9jb2xvbg==", "Bearer abc"):
        response = opds.client.get(f"/opds/{library.pk}/shelf/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header


@override_settings(LOGIN_THROTTLE={"per_account": 2, "per_ip": 100, "window_seconds": 900})
def test_guessing_is_throttled_then_even_the_right_password_waits(opds, library, card):
    for _attempt in range(2):
        assert opds.get(f"/opds/{library.pk}/shelf/", card=card, password="guess").status_code == 401
    response = opds.get(f"/opds/{library.pk}/shelf/", card=card)
    assert response.status_code == 429
    assert json.loads(response.content)["type"].endswith("login_throttled")


def test_email_works_as_the_login(opds, library, card):
    response = opds.client.get(
        f"/opds/{library.pk}/shelf/", HTTP_AUTHORIZATION=basic(card.user.email), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200


def test_borrow_takes_the_book_and_the_shelf_shows_it(opds, library, card, catalog):
    title = catalog["titles"][0]
    response = opds.post(f"/opds/{library.pk}/titles/{title.pk}/borrow/", card=card)
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/atom+xml;type=entry")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b'status="available"' in response.content
    loan = Loan.objects.get(card=card, title=title, ended_at__isnull=True)
    assert loan.due_at > loan.started_at
    assert Event.objects.filter(kind=Event.Kind.ISSUED, card=card, title=title).count() == 1

    again = opds.post(f"/opds/{library.pk}/titles/{title.pk}/borrow/", card=card)
    assert again.status_code == 200 and Loan.objects.filter(card=card).count() == 1

    shelf = opds.get(f"/opds/{library.pk}/shelf/", card=card)
    assert "no-store" in shelf["Cache-Control"] and "ETag" not in shelf
    parsed = feedparser.parse(shelf.content)
    assert [entry.title for entry in parsed.entries] == [title.title]
    rels = {link.rel for link in parsed.entries[0].links}
    assert "http://opds-spec.org/acquisition" in rels and "http://opds-spec.org/acquisition/borrow" not in rels
    data = json.loads(opds.get(f"/opds/{library.pk}/v2/shelf/", card=card).content)
    acquisition = next(
        link for link in data["publications"][0]["links"] if link["rel"] == "http://opds-spec.org/acquisition"
    )
    assert acquisition["properties"]["availability"]["state"] == "available"


def test_borrow_over_the_limit_is_a_problem_document_and_changes_nothing(opds, library, card, catalog):
    for title in catalog["titles"][:2]:
        assert opds.post(f"/opds/{library.pk}/v2/titles/{title.pk}/borrow/", card=card).status_code == 201
    response = opds.post(f"/opds/{library.pk}/v2/titles/{catalog['titles'][2].pk}/borrow/", card=card)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = json.loads(response.content)
    assert problem["type"] == "urn:abonement:problem:loan_limit_reached" and "2 books" in problem["detail"]
    assert Loan.objects.filter(card=card).count() == 2 and not Request.objects.exists()


def test_borrow_in_a_by_request_library_asks_the_librarian(opds, library, card, catalog):
    library.lending_mode = "by_request"
    library.save()
    response = opds.post(f"/opds/{library.pk}/titles/{catalog['titles'][0].pk}/borrow/", card=card)
    assert response.status_code == 201
    assert b'status="reserved"' in response.content
    assert Request.objects.filter(card=card, status=Request.Status.WAITING).count() == 1
    assert not Loan.objects.exists()


def test_borrow_when_no_copy_is_free_joins_the_queue(opds, library, card, card_factory, catalog):
    title = catalog["titles"][0]
    first = card_factory(library=library)
    assert opds.post(f"/opds/{library.pk}/titles/{title.pk}/borrow/", card=first).status_code == 201
    library.self_service_acquisition = False  # the one copy is lent: no second one is bought
    library.save()
    response = opds.post(f"/opds/{library.pk}/titles/{title.pk}/borrow/", card=card)
    assert response.status_code == 201
    assert b'<opds:holds position="1" />' in response.content
    assert Hold.objects.filter(card=card, status=Hold.Status.WAITING).count() == 1
    shelf = feedparser.parse(opds.get(f"/opds/{library.pk}/shelf/", card=card).content)
    assert [entry.title for entry in shelf.entries] == [title.title]


def test_a_reader_of_another_library_cannot_borrow_here(opds, library, card_factory, catalog):
    stranger = card_factory()
    response = opds.post(f"/opds/{library.pk}/titles/{catalog['titles'][0].pk}/borrow/", card=stranger)
    assert response.status_code == 403
    assert json.loads(response.content)["type"].endswith("no_card_in_library")
    assert not Loan.objects.exists()


def test_authentication_document(opds, library):
    response = opds.get(f"/opds/{library.pk}/authentication/")
    assert response["Content-Type"] == "application/opds-authentication+json"
    data = json.loads(response.content)
    assert data["authentication"][0]["type"] == "http://opds-spec.org/auth/basic"
    assert opds.validated == 1
