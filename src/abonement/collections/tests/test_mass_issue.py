"""SPEC G3: the summary and the all-or-nothing mass issue of a collection to groups."""

import zoneinfo
from datetime import UTC, date, datetime

import pytest
from django.db import connection

from abonement.circulation import policies
from abonement.circulation import services as circulation
from abonement.circulation.models import Copy, Loan
from abonement.collections import services
from abonement.collections.models import CollectionGroup
from abonement.core.models import Event
from abonement.libraries.models import CreditEntry
from abonement.notifications.models import Notice
from abonement.readers.models import Card, Group

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ADULT, CHILD = date(2000, 1, 1), date(2018, 6, 1)  # 26 and 8 years old on NOW


def ledger_sum(library) -> int:
    return sum(CreditEntry.objects.filter(library=library).values_list("amount", flat=True))


@pytest.fixture
def library(library_factory):
    library = library_factory(max_on_hand=2, loan_days=30, timezone="Europe/Riga")
    circulation.grant_credits(operator=None, library=library, amount=100, now=NOW)
    library.refresh_from_db()
    return library


@pytest.fixture
def librarian(librarian_factory, library):
    return librarian_factory(library=library, first_name="Mara", last_name="Desk")


@pytest.fixture
def make_group(card_factory, library):
    def make(name: str, size: int, birth_date=ADULT, **card_fields) -> Group:
        group = Group.objects.create(library=library, name=name)
        for _ in range(size):
            card_factory(library=library, birth_date=birth_date, **card_fields).groups.add(group)
        return group

    return make


@pytest.fixture
def make_collection(library, title_factory):
    def make(*titles):
        collection = services.create_collection(library=library, name="Summer reading", now=NOW)
        services.add_titles(collection=collection, titles=list(titles))
        return collection

    return make


def issue(librarian, collection, groups):
    return services.mass_issue(librarian=librarian, collection=collection, groups=groups, now=NOW)


def assert_nothing_changed(library, credits: int):
    library.refresh_from_db()
    assert library.credits == credits == ledger_sum(library)
    assert not Loan.objects.exists()
    assert not Event.objects.filter(kind__in=[Event.Kind.ISSUED, Event.Kind.COPY_ACQUIRED]).exists()
    assert not Notice.objects.filter(kind="books_issued").exists()
    assert not CollectionGroup.objects.exists()


class TestIssue:
    def test_every_reader_gets_every_book_paid_once_per_new_copy(
        self, library, librarian, make_group, make_collection, title_factory
    ):
        # given a class of 3 and a collection of a paid title (price 2) and a free one
        paid, free = title_factory(price=2), title_factory(price=0, is_free=True)
        group = make_group("5 A", 3)
        collection = make_collection(paid, free)
        # when the collection is issued
        result = issue(librarian, collection, [group])
        # then 6 loans for the library's period, 3 copies bought at 2 credits each, 3 free copies
        assert (result.loans, result.readers, result.copies_acquired, result.credits_spent) == (6, 3, 6, 6)
        loans = Loan.objects.all()
        assert loans.count() == 6 and {loan.issued_by_id for loan in loans} == {librarian.pk}
        assert {loan.due_at for loan in loans} == {datetime(2026, 12, 24, 21, 59, 59, tzinfo=UTC)}  # 23:59:59 Riga
        assert loans.filter(title=free, is_free=True).count() == 3
        library.refresh_from_db()
        assert library.credits == 94 == ledger_sum(library)
        entries = CreditEntry.objects.filter(kind=CreditEntry.Kind.ACQUISITION).order_by("id")
        assert [(e.amount, e.balance_after) for e in entries] == [(-2, 98), (-2, 96), (-2, 94)]
        assert all(e.actor == librarian and e.title == paid and e.card_id for e in entries)
        assert Copy.objects.filter(title=paid, cost=2).count() == 3
        # events as the single issue writes them: actor the librarian, one ISSUED per loan
        issued = Event.objects.filter(kind=Event.Kind.ISSUED)
        assert issued.count() == 6 and set(issued.values_list("actor_label", flat=True)) == {"Mara Desk"}
        assert all(e.subject_user_id == e.card.user_id for e in issued)
        acquired = Event.objects.filter(kind=Event.Kind.COPY_ACQUIRED)
        assert acquired.count() == 6 and acquired.filter(details__cost=2).count() == 3
        # one notice per reader, listing both books
        notices = Notice.objects.filter(kind="books_issued")
        assert notices.count() == 3
        assert all(paid.title in n.body and free.title in n.body and "24.12.2026" in n.body for n in notices)
        access = CollectionGroup.objects.get(collection=collection, group=group)
        assert access.issued_at == NOW and access.issued_by == librarian and access.loans_issued == 6

    def test_free_copies_in_the_fund_are_lent_before_buying(
        self, library, librarian, make_group, make_collection, title_factory, card_factory
    ):
        title = title_factory(price=5)
        in_fund = [Copy.objects.create(library=library, title=title, acquired_at=NOW) for _ in range(3)]
        on_loan = Copy.objects.create(library=library, title=title, acquired_at=NOW)
        Loan.objects.create(
            copy=on_loan, card=card_factory(library=library), library=library, title=title,
            started_at=NOW, due_at=datetime(2026, 12, 1, tzinfo=UTC),
        )  # fmt: skip
        group = make_group("5 A", 4)
        result = issue(librarian, make_collection(title), [group])
        # three readers get the free copies, the fourth a new one at 5 credits
        assert result.copies_acquired == 1 and result.credits_spent == 5
        lent = set(Loan.objects.filter(card__groups=group).values_list("copy_id", flat=True))
        assert {c.pk for c in in_fund} <= lent and on_loan.pk not in lent and len(lent) == 4

    def test_pairs_already_on_loan_are_skipped_and_not_charged(
        self, library, librarian, make_group, make_collection, title_factory
    ):
        a, b = title_factory(price=1), title_factory(price=1)
        group = make_group("5 A", 2)
        holder = group.cards.order_by("pk").first()
        circulation.force_issue(librarian=librarian, library=library, card_number=holder.number, title=a, now=NOW)
        plan = services.plan_mass_issue(collection=make_collection(a, b), groups=[group], now=NOW)
        assert (plan.books, plan.already_held, plan.cost) == (3, 1, 3)
        assert plan.last_day == plan.due_at.astimezone(zoneinfo.ZoneInfo(library.timezone)).date()
        # 23:59 in New York is the next day in UTC and in Riga
        type(library).objects.filter(pk=library.pk).update(timezone="America/New_York")
        in_new_york = services.plan_mass_issue(collection=plan.collection, groups=[group], now=NOW)
        assert in_new_york.last_day == date(2026, 12, 24) and in_new_york.due_at.astimezone(UTC).day == 25
        result = issue(librarian, plan.collection, [group])
        assert result.loans == 3 and Loan.objects.filter(card=holder, title=a).count() == 1
        library.refresh_from_db()
        assert library.credits == 100 - 1 - 3 == ledger_sum(library)

    def test_the_readers_limit_of_books_on_hand_does_not_apply(
        self, library, librarian, make_group, make_collection, title_factory
    ):
        # the library allows 2 paid books on hand; the librarian issues 3 (as a forced issue would)
        titles = [title_factory(price=1) for _ in range(3)]
        group = make_group("5 A", 1)
        assert issue(librarian, make_collection(*titles), [group]).loans == 3

    def test_readers_too_young_are_warned_and_skipped_for_those_titles(
        self, library, librarian, make_group, make_collection, title_factory
    ):
        adult_book, kids_book = title_factory(title="Crime", age_rating=16), title_factory(title="Tales", age_rating=0)
        adults, kids = make_group("Adults", 2), make_group("Kids", 2, birth_date=CHILD)
        collection = make_collection(adult_book, kids_book)
        plan = services.plan_mass_issue(collection=collection, groups=[adults, kids], now=NOW)
        assert plan.books == 6 and len(plan.readers) == 4
        assert [(card.pk, [t.title for t in titles]) for card, titles in plan.too_young] == [
            (card.pk, ["Crime"]) for card in kids.cards.order_by("pk")
        ]
        issue(librarian, collection, [adults, kids])
        assert not Loan.objects.filter(card__groups=kids, title=adult_book).exists()
        assert Loan.objects.filter(card__groups=kids, title=kids_book).count() == 2

    def test_a_reader_in_two_groups_gets_each_book_once(
        self, library, librarian, make_group, make_collection, title_factory
    ):
        title = title_factory()
        first, second = make_group("5 A", 2), make_group("Chess club", 1)
        first.cards.first().groups.add(second)
        result = issue(librarian, make_collection(title), [first, second])
        assert result.loans == 3 == Loan.objects.count()
        assert CollectionGroup.objects.get(group=second).loans_issued == 2

    def test_blocked_readers_are_skipped(self, library, librarian, make_group, make_collection, title_factory):
        group = make_group("5 A", 2)
        blocked = group.cards.order_by("pk").first()
        Card.objects.filter(pk=blocked.pk).update(status=Card.Status.BLOCKED)
        collection = make_collection(title_factory())
        plan = services.plan_mass_issue(collection=collection, groups=[group], now=NOW)
        assert [c.pk for c in plan.blocked] == [blocked.pk] and len(plan.readers) == 1
        issue(librarian, collection, [group])
        assert not Loan.objects.filter(card=blocked).exists() and Loan.objects.count() == 1

    def test_issuing_again_gives_books_only_to_who_lacks_them(
        self, library, librarian, make_group, make_collection, title_factory, card_factory
    ):
        group = make_group("5 A", 2)
        collection = make_collection(title_factory())
        issue(librarian, collection, [group])
        card_factory(library=library).groups.add(group)  # a new pupil joined the class
        result = issue(librarian, collection, [group])
        assert result.loans == 1 and Loan.objects.count() == 3


class TestRefusals:
    """Each bad input: a clear error naming the problem, and nothing written."""

    def test_empty_collection(self, library, librarian, make_group, make_collection):
        with pytest.raises(services.EmptyCollection, match="Summer reading"):
            issue(librarian, make_collection(), [make_group("5 A", 1)])
        assert_nothing_changed(library, 100)

    def test_no_group(self, library, librarian, make_collection, title_factory):
        with pytest.raises(services.NoGroupChosen):
            issue(librarian, make_collection(title_factory()), [])
        assert_nothing_changed(library, 100)

    def test_group_without_readers(self, library, librarian, make_group, make_collection, title_factory):
        with pytest.raises(services.GroupsWithoutReaders):
            issue(librarian, make_collection(title_factory()), [make_group("Empty", 0)])
        assert_nothing_changed(library, 100)

    def test_every_reader_blocked(self, library, librarian, make_group, make_collection, title_factory):
        group = make_group("5 A", 2, status=Card.Status.BLOCKED)
        with pytest.raises(services.AllReadersBlocked, match=r"\(2\)"):
            issue(librarian, make_collection(title_factory()), [group])
        assert_nothing_changed(library, 100)

    def test_balance_too_low_says_how_many_credits_are_missing(
        self, library, librarian, make_group, make_collection, title_factory
    ):
        collection = make_collection(*[title_factory(price=4) for _ in range(3)])
        group = make_group("5 A", 9)  # 27 new copies × 4 = 108 credits, 100 on the balance
        plan = services.plan_mass_issue(collection=collection, groups=[group], now=NOW)
        assert (plan.cost, plan.missing) == (108, 8)
        with pytest.raises(policies.InsufficientCredits) as refused:
            issue(librarian, collection, [group])
        assert refused.value.params == {"missing": 8} and refused.value.status == 409
        assert_nothing_changed(library, 100)
        assert not Copy.objects.exists()

    def test_paid_title_outside_the_librarys_catalogue(
        self, library, librarian, make_group, make_collection, title_factory
    ):
        from abonement.catalog.models import CatalogAccess

        allowed, outside = title_factory(title="Allowed"), title_factory(title="Outside")
        access = CatalogAccess.objects.create(library=library, whole_catalog=False)
        access.titles.add(allowed)
        with pytest.raises(services.TitlesNotLendable, match="“Outside”"):
            issue(librarian, make_collection(allowed, outside), [make_group("5 A", 1)])
        assert_nothing_changed(library, 100)

    def test_nothing_left_to_issue(self, library, librarian, make_group, make_collection, title_factory):
        kids = make_group("Kids", 2, birth_date=CHILD)
        with pytest.raises(services.NothingToIssue):
            issue(librarian, make_collection(title_factory(age_rating=18)), [kids])
        assert_nothing_changed(library, 100)

    def test_group_of_another_library(self, library, librarian, make_collection, title_factory, library_factory):
        foreign = Group.objects.create(library=library_factory(), name="Foreign")
        with pytest.raises(services.GroupOfAnotherLibrary) as refused:
            issue(librarian, make_collection(title_factory()), [foreign])
        assert refused.value.status == 404
        assert_nothing_changed(library, 100)

    def test_a_template_is_not_issued(self, library, librarian, make_group, title_factory):
        template = services.create_template(network=library.network, name="War", now=NOW)
        services.add_titles(collection=template, titles=[title_factory()])
        with pytest.raises(services.TemplateNotIssued):
            issue(librarian, template, [make_group("5 A", 1)])
        assert_nothing_changed(library, 100)


def test_queries_do_not_grow_with_readers_and_titles(library, librarian, make_group, make_collection, title_factory):
    """Set-based: a constant number of statements, notices included."""
    from django.test.utils import CaptureQueriesContext

    def count(readers: int, titles: int) -> int:
        collection = make_collection(*[title_factory(price=1) for _ in range(titles)])
        group = make_group(f"group {readers}x{titles}", readers)
        with CaptureQueriesContext(connection) as queries:
            issue(librarian, collection, [group])
        return len(queries)

    small, large = count(2, 2), count(12, 6)
    assert small == large, (small, large)
    assert large <= 25
