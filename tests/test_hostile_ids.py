"""Hostile ids (SPEC Q3, issue #12): Unicode digits, 23-digit numbers, signs and spaces in ids are a 4xx that
names the field, never a 500, on every page, for every kind of person signed in."""

import re
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from abonement.catalog.models import Author, Genre, Item, ItemType, Series
from abonement.circulation import services as circulation
from abonement.circulation.models import CirculationRule
from abonement.collections import services as collections
from abonement.core import clock
from abonement.core.ids import MAX_ID, parse_id, parse_ids
from abonement.notifications.models import Notice
from abonement.readers import services as readers
from abonement.reading import services as reading
from abonement.reports.models import Export, Visit
from abonement.reports.visits import forget_recorded
from abonement.sip2 import services as sip2
from abonement.testing.factories import TEST_PASSWORD

HOSTILE = ["²", "¹", "1" * 23, "-1", "1e3", " 1", ""]
PARAMS = [
    "card",
    "request",
    "approve_one",
    "reject_one",
    "page_ids",
    "all_on_page",
    "title",
    "group",
    "reader",
    "collection",
    "item",
    "page",
    "id",
    "ids",
    "library_id",
    "template",
    "remove",
    "up",
    "down",
]
# Pages that end the session or delete the object the next pages use go last.
LAST = ("logout", "delete")


@pytest.fixture(autouse=True)
def _fresh_visit_guard():
    forget_recorded()
    yield
    forget_recorded()


@pytest.fixture
def world(library_factory, librarian_factory, operator_factory, card_factory, title_factory):
    """One library with one of everything a URL can name, reachable by its librarian, operator and reader."""
    library = library_factory()
    librarian = librarian_factory(library=library)
    operator = operator_factory(network=library.network)
    card = card_factory(library=library)
    circulation.grant_credits(operator=operator, library=library, amount=10)
    taken, asked, queued = title_factory(is_free=True, price=0), title_factory(), title_factory()
    loan = circulation.take(card=card, title=taken)
    request = circulation.request_title(card=card, title=asked)
    hold = circulation.join_queue(card=card, title=queued)
    group = readers.create_group(library=library, name="5A")
    readers.add_to_group(group=group, cards=[card])
    collection = collections.create_collection(library=library, name="Summer")
    collections.add_titles(collection=collection, titles=[taken, asked])
    template = collections.create_template(network=library.network, name="Classics")
    export = Export.objects.create(
        library=library, requested_by=librarian, report="general", fmt="csv", created_at=clock.now()
    )
    notice = Notice.objects.create(
        kind="issued",
        channel=Notice.Channel.EMAIL,
        to=card.user.email,
        body="Hello",
        library=library,
        created_at=clock.now(),
    )
    ids = {
        "card_id": card.pk,
        "group_id": group.pk,
        "title_id": taken.pk,
        "export_id": export.pk,
        "collection_id": collection.pk,
        "notice_id": notice.pk,
        "library_id": library.pk,
        "librarian_id": librarian.pk,
        "template_id": template.pk,
        "loan_id": loan.pk,
        "review_id": reading.save_review(user=card.user, title=taken, rating=4, text="Good").pk,
        "request_id": request.pk,
        "hold_id": hold.pk,
        "author_id": Author.objects.create(name="A. Author", sort_name="Author A.").pk,
        "series_id": Series.objects.create(name="Series").pk,
        "genre_id": Genre.objects.create(name="Tales").pk,
        "item_id": Item.objects.create(
            title=title_factory(format="paper", network=library.network), library=library, barcode="SWEEP-1"
        ).pk,
        "item_type_id": ItemType.objects.create(network=library.network, code="BOOK", name="Book").pk,
        "rule_id": CirculationRule.objects.create(library=library).pk,
        "account_id": sip2.create_account(
            library=library, login="kiosk1", password="kiosk-password-1", institution_id="SWEEP"
        ).pk,
    }
    return {
        "librarian": librarian,
        "operator": operator,
        "reader": card.user,
        "ids": ids,
        "card": card,
        "group": group,
        "collection": collection,
        "request": request,
        "title": taken,
    }


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix + str(pattern.pattern)


def _urls(route: str, ids: dict[str, int]) -> list[tuple[str, str]]:
    """(url, the hostile value it carries) for a route: its own ids, then each hostile value in each path part
    (ints: a 23-digit number; str, slug and path parts: every hostile value)."""
    urls = []
    for value in HOSTILE:

        def fill(match, value=value):
            kind, name = match.group(1) or "str", match.group(2)
            if kind == "int":
                assert name in ids, f"the sweep has no object for <int:{name}> of {route}: add one to `world`"
                return str(ids[name])
            return quote(value, safe="")

        urls.append(("/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route), value))
    if "<int:" in route:
        urls.append(("/" + re.sub(r"<int:\w+>", "1" * 23, route), "1" * 23))
    return urls


def _params(value: str) -> list[tuple[str, str]]:
    """Every id parameter, each sent with every hostile value; `value` last, so a single-valued read gets it."""
    others = [v for v in HOSTILE if v != value] + [value]
    return [(name, v) for name in PARAMS for v in others]


def _sweep(client, user, ids):
    routes = sorted(set(_routes(get_resolver().url_patterns)), key=lambda r: any(word in r for word in LAST))
    failures, reached = [], 0
    for route in routes:
        client.force_login(user)
        for url, value in dict.fromkeys(_urls(route, ids)):
            params = _params(value)
            query = urlencode(params)
            for method in ("get", "post"):
                if method == "get":
                    response = client.get(f"{url}?{query}")
                else:
                    response = client.post(
                        f"{url}?{query}", urlencode(params), content_type="application/x-www-form-urlencoded"
                    )
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url} {value!r}: {response.status_code}")
                login = response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
                if login and not any(word in route for word in ("logout",)):
                    failures.append(f"{method.upper()} {url}: signed out, the sweep did not reach the view")
                reached += not login
    return failures, reached


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["librarian", "operator", "reader"])
def test_no_page_answers_hostile_ids_with_a_server_error(world, role):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    assert client.login(username=world[role].username, password=TEST_PASSWORD)
    failures, reached = _sweep(client, world[role], world["ids"])
    assert failures == []
    assert reached > 1000


# ---- each place the 500s were met, through the page that met them ---------------------------------


def staff_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def assert_names_field(response, field: str) -> None:
    assert response.status_code == 400
    assert f"The field “{field}” takes record numbers" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "1" * 23, "-1", " 1"])
def test_group_members_with_a_hostile_card_is_400_and_changes_nothing(world, value):
    group, card = world["group"], world["card"]
    response = staff_client(world["librarian"]).post(
        reverse("staff:group_members", kwargs={"group_id": group.pk}),
        {"card": [str(card.pk), value], "action": "remove"},
    )
    assert_names_field(response, "card")
    assert list(group.cards.all()) == [card]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "1" * 23])
def test_reader_requests_with_a_hostile_request_is_400(world, value):
    request = world["request"]
    response = staff_client(world["librarian"]).post(
        reverse("staff:reader_requests", kwargs={"card_id": world["card"].pk}),
        {"request": [str(request.pk), value], "action": "reject"},
    )
    assert_names_field(response, "request")
    request.refresh_from_db()
    assert request.status == request.Status.WAITING


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["approve_one", "reject_one", "request"])
def test_ordered_list_with_a_unicode_digit_is_400(world, field):
    response = staff_client(world["librarian"]).post(
        reverse("staff:requests_decide"), {field: "¹", "action": "approve"}
    )
    assert response.status_code == 400
    assert "The form was not understood" in response.content.decode()
    world["request"].refresh_from_db()
    assert world["request"].status == world["request"].Status.WAITING


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "extra"), [("title", {}), ("title", {"action": "remove"}), ("remove", {}), ("up", {}), ("down", {})]
)
def test_collection_books_with_a_hostile_title_is_400(world, field, extra):
    collection = world["collection"]
    response = staff_client(world["librarian"]).post(
        reverse("staff:collection_titles", kwargs={"collection_id": collection.pk}), {field: "²", **extra}
    )
    assert_names_field(response, field)
    assert collection.entries.count() == 2


@pytest.mark.django_db
def test_collection_issue_with_a_hostile_group_is_400(world):
    response = staff_client(world["librarian"]).post(
        reverse("staff:collection_issue", kwargs={"collection_id": world["collection"].pk}),
        {"group": [str(world["group"].pk), "²"], "confirm": "1"},
    )
    assert_names_field(response, "group")


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "1" * 23])
def test_taking_a_book_with_a_hostile_card_is_400_and_lends_nothing(world, title_factory, value):
    title = title_factory()
    client = staff_client(world["reader"])
    response = client.post(reverse("circulation:take", kwargs={"title_id": title.pk}), {"card": value})
    assert_names_field(response, "card")
    assert not world["card"].loans.filter(title=title).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["staff:switch_library", "staff:collection_create"])
def test_a_hostile_library_or_template_is_404(world, path):
    field = "library_id" if path == "staff:switch_library" else "template"
    response = staff_client(world["librarian"]).post(reverse(path), {field: "1" * 23})
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_visit_of_a_post_naming_a_hostile_card_is_still_counted(world, title_factory):
    """The middleware runs after the view saved its change: a hostile `card` must not turn that into a 500."""
    title = title_factory()
    client = staff_client(world["reader"])
    Visit.objects.all().delete()
    forget_recorded()
    response = client.post(reverse("circulation:defer", kwargs={"title_id": title.pk}), {"card": "²"})
    assert response.status_code == 302
    assert world["reader"].deferrals.filter(title=title).exists()
    assert list(Visit.objects.values_list("card", flat=True)) == [world["card"].pk]


@pytest.mark.django_db
def test_the_visit_middleware_never_raises_on_a_body_the_view_did_not_read(world):
    client = staff_client(world["reader"])
    body = "&".join(f"f{i}=1" for i in range(1100))
    response = client.post(reverse("circulation:my_books"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200


def test_ids_are_ascii_digits_that_fit_the_database():
    assert parse_id("42") == 42
    assert parse_id(str(MAX_ID)) == MAX_ID
    for value in ["²", "١٢", "1" * 23, str(MAX_ID + 1), "-1", "+1", "1e3", " 1", "1 ", "1_0", "", "0", None, 7]:
        assert parse_id(value) is None, value
    assert parse_ids(["3", "1", "3"]) == [1, 3]
    assert parse_ids(["1", "²"]) is None
    assert parse_ids(["1"] * 3, limit=2) is None
    assert parse_ids([]) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", "Поле «card» принимает только номера записей"), ("lv", "Laukā “card” var norādīt tikai ierakstu numurus")],
)
def test_the_message_is_in_the_readers_language(world, title_factory, language, words):
    client = staff_client(world["reader"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("circulation:take", kwargs={"title_id": title_factory().pk}), {"card": "²"})
    assert response.status_code == 400
    assert words in response.content.decode()
