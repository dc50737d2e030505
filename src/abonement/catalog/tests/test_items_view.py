"""The items view of a paper title (SPEC P1): every item of the network, grouped by library, for anyone."""

import datetime

import pytest
from django.test import Client

from abonement.catalog.models import Item, ItemType
from abonement.circulation.models import CirculationRule
from abonement.testing.factories import TEST_PASSWORD


@pytest.fixture
def shelf(make_title, library_factory, network_factory):
    network = network_factory(name="Aizkraukles novads")
    central = library_factory(network=network, name="Aizkraukles bibliotēka")
    branch = library_factory(network=network, name="Kokneses filiāle", parent=central)
    other = library_factory(network=network, name="Pļaviņu bibliotēka")
    reference = ItemType.objects.create(network=network, code="REF", name="Reference")
    CirculationRule.objects.create(library=central, item_type=reference, reading_room_only=True)
    title = make_title("Mērnieku laiki", network=network, format="paper", price=0)

    def item(library, barcode, **fields):
        return Item.objects.create(title=title, library=library, barcode=barcode, shelf_mark="84 K22", **fields)

    item(central, "C-1", fund="Abonements")
    item(central, "C-2", status=Item.Status.ON_LOAN, due_date=datetime.date(2026, 12, 3))
    item(central, "C-3", status=Item.Status.RESERVED)
    item(central, "C-4", status=Item.Status.SET_ASIDE)
    item(central, "C-5", status=Item.Status.IN_TRANSIT, in_transit_to=branch)
    item(branch, "K-1", item_type=reference)  # the central library's rule: reading room only
    item(branch, "K-2", reservable_online=False)
    item(other, "P-1", status=Item.Status.READING_ROOM)
    return {"title": title, "central": central, "branch": branch, "other": other}


def status_of(page: str, barcode: str) -> str:
    row = page.split(f'data-barcode="{barcode}"', 1)[1].split("</tr>", 1)[0]
    return row.rsplit('class="status-', 1)[1].split(">", 1)[1].split("</td>", 1)[0].strip()


@pytest.mark.django_db
class TestItemsView:
    def test_anonymous_visitors_see_every_status_in_words(self, shelf):
        page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/catalog/titles/{shelf['title'].pk}/").content.decode()
        assert status_of(page, "C-1") == "On the shelf"
        assert status_of(page, "C-2") in ("On loan until 12/03/2026", "On loan until 03.12.2026")
        assert status_of(page, "C-3") == "Reserved"
        assert status_of(page, "C-4") == "Set aside for pickup"
        assert status_of(page, "C-5") == "In transit to Kokneses filiāle"
        assert status_of(page, "K-1") == "Reading room only"
        assert status_of(page, "K-2") == "On the shelf · ask your library"
        assert status_of(page, "P-1") == "Reading room only"
        assert "1 of 5 on the shelf" in page
        assert "1 of 2 on the shelf" in page
        assert "0 of 1 on the shelf" in page
        headings = [group.split("</h3>")[0] for group in page.split('data-testid="item-library"')[1:]]
        assert len(headings) == 3 and "Aizkraukles bibliotēka" in headings[0]
        assert "Kokneses filiāle <small>(Aizkraukles bibliotēka)</small>" in headings[1]

    def test_the_readers_own_library_comes_first(self, shelf, card_factory):
        card = card_factory(library=shelf["other"])
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.post("/login/", {"identifier": card.number, "password": TEST_PASSWORD})
        page = client.get(f"/catalog/titles/{shelf['title'].pk}/").content.decode()
        first_group = page.split('data-testid="item-library"')[1].split("</h3>")[0]
        assert "Pļaviņu bibliotēka" in first_group and "own-library" in page

    def test_queries_do_not_grow_with_items(self, shelf, client, django_assert_max_num_queries):
        for n in range(30):
            Item.objects.create(title=shelf["title"], library=shelf["branch"], barcode=f"X-{n}")
        with django_assert_max_num_queries(8):
            response = client.get(f"/catalog/titles/{shelf['title'].pk}/")
        assert response.content.decode().count("data-barcode=") == 38
