"""The collection pages over HTTP: build a collection, make one from a template, the summary and the issue."""

import re
from datetime import date

import pytest
from django.test import Client

from abonement.catalog.search import indexer
from abonement.circulation import services as circulation
from abonement.circulation.models import Loan
from abonement.collections import services
from abonement.collections.models import Collection, CollectionGroup
from abonement.libraries.models import CreditEntry
from abonement.notifications.models import Notice
from abonement.readers.models import Card, Group
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def library(library_factory):
    library = library_factory(loan_days=365)
    circulation.grant_credits(operator=None, library=library, amount=20)
    library.refresh_from_db()
    return library


@pytest.fixture
def staff(librarian_factory, library):
    return signed_in(librarian_factory(library=library))


@pytest.fixture
def group(library, card_factory):
    group = Group.objects.create(library=library, name="10 G")
    card_factory(library=library, full_name="Old Enough", birth_date=date(2000, 1, 1)).groups.add(group)
    card_factory(library=library, full_name="Little One", birth_date=date(2019, 1, 1)).groups.add(group)
    return group


@pytest.fixture
def collection(library, title_factory):
    collection = services.create_collection(library=library, name="Literature of the 19th century")
    services.add_titles(
        collection=collection,
        titles=[
            title_factory(title="Woe from Wit", price=0, is_free=True, age_rating=12),
            title_factory(title="Paid Novel", price=3, age_rating=0),
        ],
    )
    return collection


class TestBuildingACollection:
    def test_create_find_add_reorder_remove(self, staff, library, title_factory):
        response = staff.post("/staff/collections/new/", {"name": "Holiday reading"})
        collection = Collection.objects.get(library=library, name="Holiday reading")
        assert response.status_code == 302 and response.url == f"/staff/collections/{collection.pk}/"
        first = title_factory(title="Holiday in the Alps", price=2, age_rating=12)
        second = title_factory(title="Holiday camp", price=0, is_free=True)
        indexer.index_titles([first.pk, second.pk])
        found = text(staff.get(f"/staff/collections/{collection.pk}/?q=holiday"))
        assert "Holiday in the Alps" in found and "Holiday camp" in found
        url = f"/staff/collections/{collection.pk}/books/"
        response = staff.post(url, {"action": "add", "title": [first.pk, second.pk], "q": "holiday"})
        assert response.status_code == 302 and response.url.endswith("?q=holiday")
        page = text(staff.get(f"/staff/collections/{collection.pk}/"))
        # each book with its cost and age rating, in the order added (sorted by title when added together)
        assert re.search(r"Holiday camp.*Free.*0\+.*Holiday in the Alps.*2 credits.*12\+", page)
        staff.post(url, {"down": second.pk})
        assert list(collection.entries.values_list("title_id", flat=True)) == [first.pk, second.pk]
        staff.post(url, {"remove": first.pk})
        assert list(collection.entries.values_list("title_id", flat=True)) == [second.pk]

    def test_a_collection_needs_a_name(self, staff, library):
        response = staff.post("/staff/collections/new/", {"name": "  "})
        assert response.status_code == 400 and "Give the collection a name." in text(response)
        assert not Collection.objects.exists()

    def test_a_paper_title_cannot_be_added(self, staff, collection, title_factory, library):
        paper = title_factory(format="paper", network=library.network)
        response = staff.post(f"/staff/collections/{collection.pk}/books/", {"action": "add", "title": [paper.pk]})
        assert response.status_code == 400 and "shared digital catalogue" in text(response)
        assert collection.entries.count() == 2

    def test_the_list_shows_books_and_issue_status(self, staff, library, librarian_factory, collection, group):
        services.mass_issue(librarian=librarian_factory(library=library), collection=collection, groups=[group])
        services.create_collection(library=library, name="Not yet")
        page = text(staff.get("/staff/collections/"))
        assert re.search(r"Literature of the 19th century.*?<td>2</td>.*Issued to 10 G on \d\d\.\d\d\.\d{4}", page)
        assert re.search(r"Not yet.*?<td>0</td>.*?Not issued", page)


class TestTemplates:
    def test_operator_builds_a_template_and_a_library_copies_it(self, operator_factory, library, staff, title_factory):
        operator = signed_in(operator_factory(network=library.network))
        response = operator.post("/operator/templates/", {"name": "About the war", "network": library.network_id})
        template = Collection.objects.get(name="About the war", network=library.network)
        assert response.status_code == 302 and template.library_id is None
        book = title_factory(title="War and Peace")
        operator.post(f"/operator/templates/{template.pk}/books/", {"action": "add", "title": [book.pk]})
        assert "War and Peace" in text(operator.get(f"/operator/templates/{template.pk}/"))
        # the library sees the template and makes its own collection from it
        assert "About the war" in text(staff.get("/staff/collections/"))
        response = staff.post("/staff/collections/new/", {"template": template.pk})
        copy = Collection.objects.get(library=library)
        assert response.status_code == 302 and copy.name == "About the war" and copy.made_from == template
        assert list(copy.entries.values_list("title_id", flat=True)) == [book.pk]
        # then independent: removing from the copy leaves the template as it was
        staff.post(f"/staff/collections/{copy.pk}/books/", {"remove": book.pk})
        assert copy.entries.count() == 0 and template.entries.count() == 1
        assert "from a template" in text(staff.get("/staff/collections/"))

    def test_a_template_of_another_network_is_not_offered_nor_copied(self, staff, library, network_factory):
        foreign = services.create_template(network=network_factory(), name="Foreign template")
        assert "Foreign template" not in text(staff.get("/staff/collections/"))
        assert staff.post("/staff/collections/new/", {"template": foreign.pk}).status_code == 404
        assert not Collection.objects.filter(library=library).exists()

    def test_deleting_a_template_leaves_the_collections_made_from_it(
        self, operator_factory, library, staff, title_factory
    ):
        template = services.create_template(network=library.network, name="Nature")
        services.add_titles(collection=template, titles=[title_factory(title="Birds")])
        copy = services.copy_template(library=library, template=template)
        # a librarian may not, an operator of another network sees no such template
        assert staff.post(f"/operator/templates/{template.pk}/delete/").status_code == 403
        stranger = signed_in(operator_factory())
        assert stranger.post(f"/operator/templates/{template.pk}/delete/").status_code == 404
        operator = signed_in(operator_factory(network=library.network))
        response = operator.post(f"/operator/templates/{template.pk}/delete/", follow=True)
        assert "Template “Nature” deleted." in text(response)
        assert not Collection.objects.filter(pk=template.pk).exists()
        copy.refresh_from_db()
        assert copy.made_from is None and [e.title.title for e in copy.entries.all()] == ["Birds"]

    def test_the_platform_admin_makes_a_template_for_every_library(
        self, user_factory, operator_factory, library, staff
    ):
        admin = signed_in(user_factory(is_superuser=True))
        assert "Every network (the whole platform)" in text(admin.get("/operator/templates/"))
        assert admin.post("/operator/templates/", {"name": "Exam key texts", "network": ""}).status_code == 302
        template = Collection.objects.get(name="Exam key texts")
        assert template.network is None and template.library is None
        assert "Exam key texts" in text(staff.get("/staff/collections/"))  # offered to the library
        operator = signed_in(operator_factory(network=library.network))
        # not theirs to change: shown read-only, a change is refused as for any template not theirs
        assert 'name="name"' not in text(operator.get(f"/operator/templates/{template.pk}/"))
        assert operator.post(f"/operator/templates/{template.pk}/", {"name": "Mine now"}).status_code == 404
        assert operator.post(f"/operator/templates/{template.pk}/delete/").status_code == 404
        # an operator must choose one of their networks: no platform templates from them
        response = operator.post("/operator/templates/", {"name": "Mine", "network": ""})
        assert response.status_code == 400 and not Collection.objects.filter(name="Mine").exists()

    def test_an_operator_sees_the_platform_templates_read_only(self, operator_factory, library, title_factory):
        """Issue #13: the operator's list was empty while their librarians were offered the platform's templates."""
        platform = services.create_template(network=None, name="Exam key texts")
        services.add_titles(collection=platform, titles=[title_factory(title="Eugene Onegin", price=2)])
        own = services.create_template(network=library.network, name="Our region")
        operator = signed_in(operator_factory(network=library.network))
        page = text(operator.get("/operator/templates/"))
        managed, _, read_only = page.partition('Platform templates <span class="badge">read-only</span>')
        assert f'href="/operator/templates/{own.pk}/">Our region' in managed and "Exam key texts" not in managed
        assert f'href="/operator/templates/{platform.pk}/">Exam key texts</a></td><td>1</td>' in read_only
        assert "Only the platform administrator changes them." in read_only
        shown = operator.get(f"/operator/templates/{platform.pk}/")
        html = text(shown)
        assert shown.status_code == 200 and "Eugene Onegin" in html and "2 credits" in html
        assert "read-only" in html and '<form method="post" action="/operator/templates' not in html
        book = title_factory(title="Added by a stranger")
        assert operator.post(f"/operator/templates/{platform.pk}/books/", {"title": [book.pk]}).status_code == 404
        assert [e.title.title for e in platform.entries.all()] == ["Eugene Onegin"]
        platform.refresh_from_db()
        assert platform.name == "Exam key texts"

    def test_librarians_do_not_manage_templates(self, staff):
        assert staff.get("/operator/templates/").status_code == 403


class TestMassIssuePages:
    def test_summary_then_issue(self, staff, library, collection, group):
        url = f"/staff/collections/{collection.pk}/issue/"
        summary = staff.post(url, {"group": [group.pk]})
        page = text(summary)
        assert summary.status_code == 200
        assert re.search(r"Readers selected</dt><dd[^>]*>2<", page)
        assert re.search(r"Number of books</dt><dd[^>]*>3<", page)  # the child gets only the 0+ book
        assert re.search(r"Total cost</dt><dd[^>]*>6 credits", page)
        assert re.search(r"Age rating.*Little One.*“Woe from Wit” 12\+", page)
        assert not Loan.objects.exists()  # the summary changes nothing
        response = staff.post(url, {"group": [group.pk], "confirm": "1"})
        assert response.status_code == 302
        assert "Issued 3 books to 2 readers; 6 credits spent." in text(staff.get(response.url))
        assert Loan.objects.count() == 3 and Notice.objects.filter(kind="books_issued").count() == 2
        library.refresh_from_db()
        assert library.credits == 14
        page = text(staff.get(f"/staff/collections/{collection.pk}/"))
        assert re.search(r"10 G.*Issued on .*: 3 books", page)

    def test_summary_warns_of_limits_loans_and_queues(self, staff, library, collection, group, title_factory):
        """Issue #13: the librarian sees who would pass their limit of books on hand, who already has a book
        (skipped) and who queues for or requested one (their place ends with the loan)."""
        library.max_on_hand, library.lending_mode = 1, "self_service"
        library.save()
        old_enough = group.cards.get(full_name="Old Enough")
        little = group.cards.get(full_name="Little One")
        paid = collection.entries.get(title__title="Paid Novel").title
        circulation.take(card=old_enough, title=title_factory(title="Own Book", price=1))
        circulation.take(card=old_enough, title=collection.entries.get(title__title="Woe from Wit").title)
        circulation.join_queue(card=little, title=title_factory(title="Elsewhere", price=1))
        circulation.request_title(card=little, title=paid)
        page = text(staff.post(f"/staff/collections/{collection.pk}/issue/", {"group": [group.pk]}))
        assert re.search(r"Over the limit of books on hand.*Old Enough \(\d+\): 2 books on hand, the limit is 1", page)
        assert "Little One" not in page.split("Over the limit")[1].split("</section>")[0]  # 1 paid book: no more
        assert re.search(r"already have these books.*Old Enough \(\d+\): “Woe from Wit”", page)
        assert re.search(r"In the queue or requested</h2>.*Little One \(\d+\): “Paid Novel”</li>", page)
        assert "Elsewhere" not in page

    @pytest.mark.parametrize("confirm", ["", "1"])
    def test_balance_too_low(self, staff, library, collection, group, card_factory, confirm):
        for _ in range(5):
            card_factory(library=library, birth_date=date(2000, 1, 1)).groups.add(group)
        # 7 readers × 3 credits = 21, the balance is 20
        response = staff.post(f"/staff/collections/{collection.pk}/issue/", {"group": [group.pk], "confirm": confirm})
        assert response.status_code == 409
        assert "1 more credits are needed" in text(response)
        assert not Loan.objects.exists() and CreditEntry.objects.count() == 1

    @pytest.mark.parametrize(
        ("case", "status", "message"),
        [
            ("empty collection", 400, "has no books: add books before issuing it"),
            ("no group", 400, "Choose at least one group"),
            ("only blocked readers", 409, "Every reader of the chosen groups is blocked (2)"),
        ],
    )
    def test_bad_input_is_refused_with_a_message(self, staff, library, collection, group, case, status, message):
        groups = [group.pk]
        if case == "empty collection":
            collection.entries.all().delete()
        elif case == "no group":
            groups = []
        else:
            Card.objects.filter(groups=group).update(status=Card.Status.BLOCKED)
        for confirm in ("", "1"):
            response = staff.post(f"/staff/collections/{collection.pk}/issue/", {"group": groups, "confirm": confirm})
            assert response.status_code == status and message in text(response), case
        assert not Loan.objects.exists() and not CollectionGroup.objects.exists()

    def test_deleting_an_issued_collection_keeps_the_loans(self, staff, library, collection, group, library_factory):
        staff.post(f"/staff/collections/{collection.pk}/issue/", {"group": [group.pk], "confirm": "1"})
        loans = Loan.objects.count()
        assert loans > 0
        foreign = services.create_collection(library=library_factory(), name="Foreign")
        assert staff.post(f"/staff/collections/{foreign.pk}/delete/").status_code == 404
        assert staff.get(f"/staff/collections/{collection.pk}/delete/").status_code == 405
        response = staff.post(f"/staff/collections/{collection.pk}/delete/", follow=True)
        assert "Collection “Literature of the 19th century” deleted." in text(response)
        assert list(Collection.objects.values_list("name", flat=True)) == ["Foreign"]
        assert Loan.objects.count() == loans and not CollectionGroup.objects.exists()

    def test_the_group_page_shows_and_issues_its_collections(self, staff, library, collection, group):
        services.create_collection(library=library, name="Empty list")
        page = text(staff.get(f"/staff/groups/{group.pk}/"))
        assert "Literature of the 19th century" in page and "Not issued" in page
        assert page.count("Issue to this group") == 1  # not offered for the empty collection
        # the button leads to the same summary as the collection page, for this group only
        summary = staff.post(f"/staff/collections/{collection.pk}/issue/", {"group": [group.pk]})
        assert summary.status_code == 200 and not Loan.objects.exists()
        staff.post(f"/staff/collections/{collection.pk}/issue/", {"group": [group.pk], "confirm": "1"})
        page = text(staff.get(f"/staff/groups/{group.pk}/"))
        assert "Issued on" in page and "Issue again" in page

    def test_another_librarys_collection_or_group_is_404(self, staff, collection, group, library_factory):
        other = library_factory()
        foreign_group = Group.objects.create(library=other, name="Foreign")
        foreign_collection = services.create_collection(library=other, name="Foreign")
        for url, data in [
            (f"/staff/collections/{foreign_collection.pk}/issue/", {"group": [group.pk], "confirm": "1"}),
            (f"/staff/collections/{collection.pk}/issue/", {"group": [foreign_group.pk], "confirm": "1"}),
            (f"/staff/collections/{collection.pk}/issue/", {"group": [group.pk, foreign_group.pk], "confirm": "1"}),
        ]:
            assert staff.post(url, data).status_code == 404, url
        assert staff.get(f"/staff/collections/{foreign_collection.pk}/").status_code == 404
        assert not Loan.objects.exists()


def test_the_busy_pages_do_not_query_per_row(staff, library, librarian_factory, title_factory, card_factory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    librarian = librarian_factory(library=library)

    def add_issued_collection(n: int):
        group = Group.objects.create(library=library, name=f"Group {n}")
        card_factory(library=library, birth_date=date(2000, 1, 1)).groups.add(group)
        collection = services.create_collection(library=library, name=f"Collection {n}")
        services.add_titles(collection=collection, titles=[title_factory(price=0, is_free=True) for _ in range(2)])
        services.mass_issue(librarian=librarian, collection=collection, groups=[group])
        return collection

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(url).status_code == 200
        return len(captured)

    first = add_issued_collection(1)
    one = (queries("/staff/collections/"), queries(f"/staff/collections/{first.pk}/"))
    for n in range(2, 6):
        add_issued_collection(n)
    services.add_titles(collection=first, titles=[title_factory() for _ in range(5)])
    assert (queries("/staff/collections/"), queries(f"/staff/collections/{first.pk}/")) == one
