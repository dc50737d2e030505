"""Item types and circulation rules (SPEC P1, P4, P5): the staff page, the what-if of a change, re-dating loans."""

from datetime import timedelta

import pytest

from abonement.catalog.models import Item, ItemType
from abonement.circulation import rules
from abonement.circulation.models import CirculationRule, Copy, Loan
from abonement.core import clock
from abonement.core.models import Event
from abonement.libraries.calendar import calendar_for
from abonement.testing.clients import signed_in

RULE_FORM = {
    "item_type": "",
    "reader_category": "",
    "loan_days": "30",
    "renewals_allowed": "2",
    "fine_per_day": "10",
    "fine_cap": "",
    "reservable_online": "on",
}


@pytest.fixture
def setup(library_factory, librarian_factory, card_factory, title_factory):
    """A library open every day; a general rule of 30 days and 2 renewals; five open paper loans."""
    library = library_factory(opening_weekdays="1234567", timezone="Europe/Riga")
    book = ItemType.objects.create(network=library.network, code="BOOK", name="Book")
    CirculationRule.objects.create(library=library, loan_days=30, renewals_allowed=2)
    now = clock.now()
    calendar = calendar_for(library)
    readers = [card_factory(library=library) for _ in range(4)]
    counter = iter(range(100))

    def lend(card, item_type, days_ago, renewal_count=0, loan_days=30):
        n = next(counter)
        title = title_factory(format="paper", network=library.network, price=0)
        item = Item.objects.create(title=title, library=library, barcode=f"B-{n}", item_type=item_type)
        copy = Copy.objects.create(library=library, title=title, item=item, acquired_at=now - timedelta(days=100))
        started = now - timedelta(days=days_ago)
        due = calendar.due(started, loan_days)
        Item.objects.filter(pk=item.pk).update(status=Item.Status.ON_LOAN, due_date=calendar.local_date(due))
        return Loan.objects.create(
            copy=copy,
            card=card,
            library=library,
            title=title,
            started_at=started,
            due_at=due,
            renewal_count=renewal_count,
        )

    loans = {
        "a": lend(readers[0], book, 20),  # 14 days: overdue since 6 days → reader 0 becomes overdue
        "b": lend(readers[1], book, 5),  # 14 days: due in 9 days
        "c": lend(readers[2], book, 3, renewal_count=2),  # due changes and 2 renewals > 1 allowed
        "d": lend(readers[3], None, 40, loan_days=30),  # no type: the general rule, already overdue, unchanged
        "e": lend(readers[3], book, 20),  # becomes overdue, but reader 3 is overdue already
    }
    librarian = librarian_factory(library=library)
    return {"library": library, "book": book, "loans": loans, "librarian": librarian, "now": now, "calendar": calendar}


PROPOSED = {**RULE_FORM, "loan_days": "14", "renewals_allowed": "1"}


@pytest.mark.django_db
class TestWhatIf:
    def test_counts_of_a_new_shorter_rule_for_books(self, setup):
        terms = {
            "item_type": setup["book"],
            "reader_category": "",
            "loan_days": 14,
            "renewals_allowed": 1,
            "fine_per_day": 10,
            "fine_cap": None,
            "reservable_online": True,
            "reading_room_only": False,
        }
        result = rules.what_if(library=setup["library"], rule=None, terms=terms, now=setup["now"])
        assert result.due_date_changes == 4
        assert result.readers_become_overdue == 1
        assert result.over_renewal_limit == 1
        assert {change.loan.pk for change in result.changes} == {setup["loans"][k].pk for k in "abce"}
        b = next(change for change in result.changes if change.loan.pk == setup["loans"]["b"].pk)
        assert b.due_after == setup["calendar"].due(setup["loans"]["b"].started_at, 14)

    def test_the_page_previews_before_saving_and_saves_for_new_loans_only(self, setup):
        client = signed_in(setup["librarian"])
        before = {loan.pk: loan.due_at for loan in Loan.objects.all()}
        response = client.post("/staff/circulation-rules/new/", {**PROPOSED, "item_type": setup["book"].pk})
        page = response.content.decode()
        assert response.status_code == 200
        assert "4 current loans change due date" in page
        assert "1 reader becomes overdue" in page
        assert "1 loan exceeds the renewal limit" in page
        assert CirculationRule.objects.count() == 1  # the preview saved nothing
        response = client.post(
            "/staff/circulation-rules/new/", {**PROPOSED, "item_type": setup["book"].pk, "save": "1"}
        )
        assert response.status_code == 302
        rule = CirculationRule.objects.get(item_type=setup["book"])
        assert (rule.loan_days, rule.renewals_allowed) == (14, 1)
        assert {loan.pk: loan.due_at for loan in Loan.objects.all()} == before
        assert Event.objects.filter(kind=Event.Kind.CIRCULATION_RULE_CHANGED, library=setup["library"]).count() == 1

    def test_the_checkbox_re_dates_current_loans_and_their_items(self, setup):
        client = signed_in(setup["librarian"])
        response = client.post(
            "/staff/circulation-rules/new/",
            {**PROPOSED, "item_type": setup["book"].pk, "save": "1", "redate_loans": "on"},
        )
        assert response.status_code == 302
        calendar = setup["calendar"]
        for key in "abce":
            loan = Loan.objects.select_related("copy__item").get(pk=setup["loans"][key].pk)
            assert loan.due_at == calendar.due(loan.started_at, 14)
            assert loan.copy.item.due_date == calendar.local_date(loan.due_at)
        untouched = Loan.objects.get(pk=setup["loans"]["d"].pk)
        assert untouched.due_at == setup["loans"]["d"].due_at

    def test_editing_the_general_rule_previews_the_loans_it_governs(self, setup):
        client = signed_in(setup["librarian"])
        general = CirculationRule.objects.get(item_type=None)
        response = client.post(f"/staff/circulation-rules/{general.pk}/", {**RULE_FORM, "loan_days": "60"})
        page = response.content.decode()
        # every loan is governed by the general rule: the four that are not overdue yet stay so, d is no more
        assert "5 current loans change due date" in page and "0 readers become overdue" in page


@pytest.mark.django_db
class TestBadInput:
    def test_a_duplicate_rule_is_400_and_nothing_changes(self, setup):
        client = signed_in(setup["librarian"])
        for action in ({}, {"save": "1"}):
            response = client.post("/staff/circulation-rules/new/", {**RULE_FORM, **action})
            assert response.status_code == 400
            assert "already has a rule for this item type and reader category" in response.content.decode()
        assert CirculationRule.objects.count() == 1

    def test_a_duplicate_rule_by_the_service_is_refused(self, setup):
        with pytest.raises(rules.DuplicateRule):
            rules.save_rule(
                actor=setup["librarian"],
                library=setup["library"],
                rule=None,
                terms={
                    "item_type": None,
                    "reader_category": "",
                    **{name: getattr(CirculationRule(), name) for name in rules.RULE_TERMS},
                },
            )
        assert CirculationRule.objects.count() == 1

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("loan_days", "0", "Ensure this value is greater than or equal to 1."),
            ("loan_days", "", "This field is required."),
            ("renewals_allowed", "21", "Ensure this value is less than or equal to 20."),
            ("fine_per_day", "-1", "Ensure this value is greater than or equal to 0."),
        ],
    )
    def test_bad_terms_are_400_naming_the_field(self, setup, field, value, message):
        client = signed_in(setup["librarian"])
        response = client.post(
            "/staff/circulation-rules/new/", {**RULE_FORM, "item_type": setup["book"].pk, field: value}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page and f'id="id_{field}"' in page and "has-error" in page
        assert CirculationRule.objects.count() == 1

    def test_item_type_code_is_unique_in_the_network(self, setup):
        client = signed_in(setup["librarian"])
        response = client.post("/staff/circulation-rules/item-types/add/", {"code": "book", "name": "Books again"})
        assert response.status_code == 400
        assert "already has an item type with the code BOOK" in response.content.decode()
        assert ItemType.objects.count() == 1
        assert (
            client.post("/staff/circulation-rules/item-types/add/", {"code": "AV", "name": "Audio"}).status_code == 302
        )
        av = ItemType.objects.get(code="AV")
        response = client.post(f"/staff/circulation-rules/item-types/{av.pk}/rename/", {"name": "Audio and video"})
        assert response.status_code == 302
        av.refresh_from_db()
        assert av.name == "Audio and video"
        page = client.get("/staff/circulation-rules/").content.decode()
        assert "Audio and video" in page and "BOOK" in page

    def test_another_librarys_rule_is_404(self, setup, library_factory):
        other = CirculationRule.objects.create(library=library_factory(), loan_days=7)
        client = signed_in(setup["librarian"])
        assert client.get(f"/staff/circulation-rules/{other.pk}/").status_code == 404
        assert client.post(f"/staff/circulation-rules/{other.pk}/delete/").status_code == 404
        assert CirculationRule.objects.filter(pk=other.pk).exists()

    def test_deleting_a_rule_previews_then_re_dates_when_asked(self, setup):
        client = signed_in(setup["librarian"])
        general = CirculationRule.objects.get()
        book = CirculationRule.objects.create(library=setup["library"], item_type=setup["book"], loan_days=14)
        page = client.get(f"/staff/circulation-rules/{book.pk}/delete/").content.decode()
        # the four book loans fall back to the general rule of 30 days: their due date does not change
        assert "0 current loans change due date" in page
        page = client.get(f"/staff/circulation-rules/{general.pk}/delete/").content.decode()
        # without the general rule the defaults apply (30 days): nothing changes either
        assert "0 current loans change due date" in page
        general.loan_days = 10
        general.save()
        d = setup["loans"]["d"]
        Loan.objects.filter(pk=d.pk).update(due_at=setup["calendar"].due(d.started_at, 10))
        page = client.get(f"/staff/circulation-rules/{general.pk}/delete/").content.decode()
        assert "1 current loan changes due date" in page  # loan d, the only one the general rule governs
        response = client.post(f"/staff/circulation-rules/{general.pk}/delete/", {"redate_loans": "on"})
        assert response.status_code == 302
        assert list(CirculationRule.objects.values_list("pk", flat=True)) == [book.pk]
        d = Loan.objects.get(pk=setup["loans"]["d"].pk)
        assert d.due_at == setup["calendar"].due(d.started_at, 30)
