"""SPEC T2: staff of library A (and operators of network A) get 404 for every object of library B.

The test walks every URL of the staff and operator areas. A new URL with an object id in it fails this
test until a foreign object for its parameter is added to FOREIGN below: isolation is checked by
construction, not by memory.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from abonement.catalog.models import Item, ItemType, Title
from abonement.circulation.models import CirculationRule, Hold
from abonement.circulation.tests.paper_loans import paper_loan
from abonement.collections import services as collections
from abonement.notifications import services as notices
from abonement.readers.models import Group
from abonement.reading.models import Review
from abonement.reports.models import Export
from abonement.sip2 import services as sip2
from abonement.testing.factories import TEST_PASSWORD

AREAS = ("staff", "operator")


def area_patterns():
    """(namespaced name, parameter names) of every URL in the staff and operator areas."""
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in AREAS and entry.name:
                found.append((f"{namespace}:{entry.name}", sorted(entry.pattern.converters)))

    walk(get_resolver().url_patterns, None)
    return found


@pytest.fixture
def two_worlds(network_factory, library_factory, librarian_factory, operator_factory, user_factory, card_factory):
    """Library A (ours) and library B of another network, each with staff and data."""
    net_a, net_b = network_factory(), network_factory()
    lib_a, lib_b = library_factory(network=net_a), library_factory(network=net_b)
    librarian_a = librarian_factory(library=lib_a)
    operator_a = operator_factory(network=net_a)
    operator_factory(network=net_b)
    librarian_b = librarian_factory(library=lib_b)
    reader_b = user_factory()
    card_b = card_factory(library=lib_b, full_name="Foreign Reader B")
    group_b = Group.objects.create(library=lib_b, name="Foreign group B")
    paper_b = Title.objects.create(title="Foreign paper title B", format="paper", network=net_b)
    card_b.groups.add(group_b)
    loan_b = paper_loan(card=card_b, title=paper_b, due_at=timezone.now() + timedelta(days=10))
    export_b = Export.objects.create(
        library=lib_b, requested_by=librarian_b, report="events", fmt="csv", created_at=timezone.now(), status="done"
    )
    collection_b = collections.create_collection(library=lib_b, name="Foreign collection B")
    template_b = collections.create_template(network=net_b, name="Foreign template B")
    with transaction.atomic():
        notice_b = notices.queue(
            kind="password_reset",
            to="b@example.org",
            library=lib_b,
            language="en",
            context={"user": reader_b, "link": "https://example.org/b"},
        )
    return {
        "librarian_a": librarian_a,
        "operator_a": operator_a,
        "foreign": {
            "library_id": lib_b.pk,
            "librarian_id": librarian_b.pk,
            "notice_id": notice_b.pk,
            "card_id": card_b.pk,
            "group_id": group_b.pk,
            "title_id": paper_b.pk,
            "export_id": export_b.pk,
            "collection_id": collection_b.pk,
            "template_id": template_b.pk,
            "item_type_id": ItemType.objects.create(network=net_b, code="B", name="Foreign type B").pk,
            "rule_id": CirculationRule.objects.create(library=lib_b).pk,
            "loan_id": loan_b.pk,
            "hold_id": Hold.objects.create(  # set aside for B's reader: what staff may give back
                card=card_b,
                library=lib_b,
                title=paper_b,
                status=Hold.Status.READY,
                item=Item.objects.create(title=paper_b, library=lib_b, barcode="B-HOLD-1", status="set_aside"),
                created_at=timezone.now(),
                ready_at=timezone.now(),
                pickup_by=timezone.now() + timedelta(days=3),
            ).pk,
            "account_id": sip2.create_account(
                library=lib_b, login="kiosk-b", password="kiosk-password-b", institution_id="B"
            ).pk,
            "review_id": Review.objects.create(
                user=card_b.user,
                title=paper_b,
                library=lib_b,
                rating=4,
                text="Foreign review B",
                created_at=timezone.now(),
                updated_at=timezone.now(),
            ).pk,
        },
        "lib_b": lib_b,
    }


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def test_every_area_url_is_known():
    params = {p for _, ps in area_patterns() for p in ps}
    assert params <= {
        "library_id",
        "librarian_id",
        "notice_id",
        "card_id",
        "group_id",
        "fmt",
        "title_id",
        "collection_id",
        "loan_id",
        "template_id",
        "export_id",
        "item_type_id",
        "rule_id",
        "hold_id",
        "review_id",
        "account_id",
    }, f"new URL parameters {params}: add a foreign object for each to two_worlds"
    assert len(area_patterns()) >= 8


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["librarian_a", "operator_a"])
def test_foreign_objects_are_404_on_every_url(two_worlds, who):
    client = signed_in(two_worlds[who])
    checked = 0
    for name, params in area_patterns():
        # "fmt" is a file format, not an object: exports are checked in test_lists_never_show_foreign_rows
        if not params or params == ["fmt"]:
            continue
        url = reverse(name, kwargs={p: two_worlds["foreign"][p] for p in params})
        area = name.split(":")[0]
        allowed_here = (who == "librarian_a" and area == "staff") or (who == "operator_a" and area == "operator")
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if allowed_here:
                assert response.status_code in {404, 405}, f"{method.upper()} {url} → {response.status_code}"
                if response.status_code == 405:
                    continue
                assert response.status_code == 404
            else:
                assert response.status_code in {403, 405}, f"{method.upper()} {url} → {response.status_code}"
            checked += 1
    assert checked >= 6


@pytest.mark.django_db
def test_switching_to_a_foreign_library_is_404(two_worlds):
    client = signed_in(two_worlds["librarian_a"])
    assert client.post("/staff/library/switch/", {"library_id": two_worlds["lib_b"].pk}).status_code == 404
    assert client.post("/staff/library/switch/", {"library_id": "not-a-number"}).status_code == 404


@pytest.mark.django_db
def test_lists_never_show_foreign_rows(two_worlds):
    lib_b = two_worlds["lib_b"]
    operator_page = signed_in(two_worlds["operator_a"]).get("/operator/").content.decode()
    assert lib_b.name not in operator_page
    staff = signed_in(two_worlds["librarian_a"])
    assert "b@example.org" not in staff.get("/staff/notices/").content.decode()
    assert lib_b.name not in staff.get("/staff/").content.decode()
    for url in ("/staff/readers/", "/staff/readers/?q=Foreign", "/staff/groups/", "/staff/readers/export/csv/"):
        body = b"".join(staff.get(url).streaming_content) if url.endswith("csv/") else staff.get(url).content
        assert b"Foreign Reader B" not in body and b"Foreign group B" not in body, url
