"""Every change of collections and templates, and the mass issue of a collection to groups (SPEC G2, G3).

The mass issue writes what the single issue (circulation.services) writes — Copy, CreditEntry, Loan and Event
rows and notices — but set-based: a constant number of statements whatever the number of readers and titles
(bulk inserts; one notice per reader listing all the reader's books, written in one `notices.batch()`).

Lock order as in circulation: library → copies → cards. The issue is one transaction: every planned loan is
written, or nothing is.
"""

import itertools
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Title
from abonement.catalog.selectors import lendable_titles
from abonement.circulation import policies
from abonement.circulation.models import Copy, Hold, Loan, Request
from abonement.circulation.services import Waiting, _copy_was_taken, _notify, close_waiting
from abonement.collections.models import Collection, CollectionGroup, CollectionTitle
from abonement.core import clock, events
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.models import CreditEntry, Library, Network
from abonement.notifications import services as notices
from abonement.readers.models import Card, Group

MAX_TITLES = 200
ATTEMPTS = 3
NOTICE_KIND = "books_issued"


class NameRequired(DomainError):
    code = "name_required"
    message = _("Give the collection a name.")


class NotInSharedCatalog(DomainError):
    code = "not_in_shared_catalog"
    message = _("Only books of the shared digital catalogue can be put into a collection.")


class CollectionFull(DomainError):
    code = "collection_full"
    message = _("A collection holds at most %(limit)d books.")


class TemplateOfAnotherNetwork(DomainError):
    code = "template_not_found"
    status = 404
    message = _("There is no such template for this library.")


class TemplateNotIssued(DomainError):
    code = "template_not_issued"
    message = _("A template is not issued to readers: make a collection of your library from it first.")


class GroupOfAnotherLibrary(DomainError):
    code = "group_not_found"
    status = 404
    message = _("There is no such group in this library.")


class EmptyCollection(DomainError):
    code = "empty_collection"
    message = _("The collection “%(name)s” has no books: add books before issuing it.")


class NoGroupChosen(DomainError):
    code = "no_group_chosen"
    message = _("Choose at least one group to issue the collection to.")


class GroupsWithoutReaders(DomainError):
    code = "groups_without_readers"
    message = _("The chosen groups have no readers: add readers to them first.")


class AllReadersBlocked(DomainError):
    code = "all_readers_blocked"
    status = 409
    message = _("Every reader of the chosen groups is blocked (%(count)d): there is nobody to issue the books to.")


class TitlesNotLendable(DomainError):
    code = "titles_not_lendable"
    status = 409
    message = _(
        "These paid books are outside the part of the catalogue the library may lend and no copy of them is free "
        "in the fund: %(titles)s. Remove them from the collection or ask the operator to widen the catalogue."
    )


class NothingToIssue(DomainError):
    code = "nothing_to_issue"
    status = 409
    message = _("Every chosen reader already has these books or is too young for them: there is nothing to issue.")


class IssueCollided(DomainError):
    code = "issue_collided"
    status = 409
    message = _(
        "Some of these books were issued to the same readers at the same moment, so nothing was issued. "
        "Look at the summary again and issue once more."
    )


# ---- collections and templates ------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = (name or "").strip()[:200]
    if not name:
        raise NameRequired()
    return name


def create_collection(*, library: Library, name: str, now: datetime | None = None) -> Collection:
    return Collection.objects.create(library=library, name=_clean_name(name), created_at=now or clock.now())


def create_template(*, network: Network | None, name: str, now: datetime | None = None) -> Collection:
    """A template of `network`, or of the whole platform when `network` is None."""
    return Collection.objects.create(network=network, name=_clean_name(name), created_at=now or clock.now())


def rename(*, collection: Collection, name: str) -> Collection:
    collection.name = _clean_name(name)
    collection.save(update_fields=["name"])
    return collection


def delete(*, collection: Collection) -> None:
    """Delete a collection or a template with its list of books. Loans it issued stay (they never point at it);
    collections made from a template keep their books and only forget where they came from."""
    collection.delete()


@transaction.atomic
def copy_template(*, library: Library, template: Collection, now: datetime | None = None) -> Collection:
    """The library's own collection with the template's name and books; independent of the template from now."""
    if not template.is_template or template.network_id not in (None, library.network_id):
        raise TemplateOfAnotherNetwork()
    collection = Collection.objects.create(
        library=library, name=template.name, made_from=template, created_at=now or clock.now()
    )
    CollectionTitle.objects.bulk_create(
        CollectionTitle(collection=collection, title_id=title_id, position=position)
        for position, title_id in enumerate(
            template.entries.order_by("position", "id").values_list("title_id", flat=True)
        )
    )
    return collection


def _lock(collection: Collection) -> Collection:
    # Position changes of one collection are serialised on its row; the rows of its books then follow.
    return Collection.objects.select_for_update(no_key=True).get(pk=collection.pk)


@transaction.atomic
def add_titles(*, collection: Collection, titles: list[Title]) -> int:
    """Append the titles not yet in the collection, in the order given; return how many were added."""
    if any(title.network_id is not None for title in titles):
        raise NotInSharedCatalog()
    collection = _lock(collection)
    present = set(collection.entries.values_list("title_id", flat=True))
    new = [title for title in dict.fromkeys(titles) if title.pk not in present]
    if len(present) + len(new) > MAX_TITLES:
        raise CollectionFull(limit=MAX_TITLES)
    start = (collection.entries.aggregate(last=Max("position"))["last"] or 0) + 1
    CollectionTitle.objects.bulk_create(
        CollectionTitle(collection=collection, title=title, position=start + i) for i, title in enumerate(new)
    )
    return len(new)


@transaction.atomic
def remove_titles(*, collection: Collection, title_ids: list[int]) -> int:
    _lock(collection)
    removed, _ = CollectionTitle.objects.filter(collection=collection, title_id__in=title_ids).delete()
    return removed


@transaction.atomic
def move_title(*, collection: Collection, title_id: int, offset: int) -> None:
    """Move one book up (offset -1) or down (+1); the positions become 0, 1, 2… again."""
    _lock(collection)
    entries = list(collection.entries.order_by("position", "id"))
    index = next((i for i, entry in enumerate(entries) if entry.title_id == title_id), None)
    if index is None:
        return
    target = min(max(index + offset, 0), len(entries) - 1)
    entries.insert(target, entries.pop(index))
    for position, entry in enumerate(entries):
        entry.position = position
    CollectionTitle.objects.bulk_update(entries, ["position"])


# ---- mass issue: the plan -----------------------------------------------------------------------


@dataclass
class Plan:
    """What issuing `collection` to `groups` would do now (SPEC G3: the summary before issuing)."""

    collection: Collection
    library: Library
    groups: list[Group]
    titles: list[Title]
    readers: list[Card]  # active cards of the groups, each once, in id order
    blocked: list[Card]
    too_young: list[tuple[Card, list[Title]]]  # pairs skipped for the age rating
    already_held: int  # pairs skipped: the reader has the book on loan
    held: list[tuple[Card, list[Title]]]  # the same pairs, by reader
    waiting_for: list[tuple[Card, list[Title]]]  # issued pairs the reader queues for or requested: those end
    over_limit: list[tuple[Card, int, int]]  # readers who pass their limit: (card, paid books on hand after, limit)
    pairs: list[tuple[Card, Title]]  # what will be issued
    from_fund: dict[int, list[int]]  # title id → ids of free copies in the fund to lend
    to_acquire: dict[int, int]  # title id → new copies to acquire
    not_lendable: list[Title]
    due_at: datetime
    membership: list[tuple[int, int]] = field(repr=False)  # (card id, group id)
    waiting: Waiting = field(repr=False)  # the holds and requests of the pairs (locked for the issue)

    @property
    def books(self) -> int:
        return len(self.pairs)

    @property
    def last_day(self) -> date:
        """The loans' last day where the library is (they end at 23:59 of it)."""
        return self.due_at.astimezone(zoneinfo.ZoneInfo(self.library.timezone)).date()

    @property
    def cost(self) -> int:
        return sum(count * _price(title) for title in self.titles if (count := self.to_acquire.get(title.pk)))

    @property
    def balance(self) -> int:
        return self.library.credits

    @property
    def missing(self) -> int:
        return max(0, self.cost - self.balance)

    @property
    def copies_to_acquire(self) -> int:
        return sum(self.to_acquire.values())

    @property
    def copies_from_fund(self) -> int:
        return sum(len(ids) for ids in self.from_fund.values())

    @property
    def error(self) -> DomainError | None:
        """Why the issue cannot go ahead, or None."""
        if self.not_lendable:
            return TitlesNotLendable(titles=", ".join(f"“{title.title}”" for title in self.not_lendable))
        if not self.pairs:
            return NothingToIssue()
        if self.missing:
            return policies.InsufficientCredits(missing=self.missing)
        return None


def _price(title: Title) -> int:
    return 0 if title.is_free else title.price


def _rule(library: Library) -> policies.LendingRule:
    """The library's loan period and time zone, the same for every reader; the card's own mode and limit play
    no part in the librarian's mass issue."""
    return policies.LendingRule(
        mode=library.lending_mode,
        max_on_hand=library.max_on_hand,
        loan_days=library.loan_days,
        timezone=library.timezone,
    )


def _check_input(collection: Collection, groups: list[Group]) -> None:
    if collection.is_template:
        raise TemplateNotIssued()
    if any(group.library_id != collection.library_id for group in groups):
        raise GroupOfAnotherLibrary()
    if not groups:
        raise NoGroupChosen()


def _free_copy_ids(library: Library, title_ids: list[int], at_most: int, *, lock: bool) -> dict[int, list[int]]:
    """Ids of copies in the fund nobody has on loan, at most `at_most` per title. With `lock`, the chosen copies
    are locked; a copy another transaction holds is skipped (it is being lent) and gets replaced by a purchase."""
    on_loan = Loan.objects.filter(copy=OuterRef("pk"), ended_at__isnull=True)
    free = Copy.objects.filter(library=library, title_id__in=title_ids).exclude(Exists(on_loan))
    chosen: dict[int, list[int]] = defaultdict(list)
    for copy_id, title_id in free.order_by("title_id", "id").values_list("id", "title_id"):
        if len(chosen[title_id]) < at_most:
            chosen[title_id].append(copy_id)
    if lock and chosen:
        ids = [copy_id for ids in chosen.values() for copy_id in ids]
        locked = (
            free.filter(pk__in=ids)
            .select_for_update(of=("self",), skip_locked=True, no_key=True)
            .order_by("id")
            .values_list("id", "title_id")
        )
        chosen = defaultdict(list)
        for copy_id, title_id in locked:
            chosen[title_id].append(copy_id)
    return chosen


def _gather(*, library: Library, collection: Collection, groups: list[Group], now: datetime, lock: bool) -> Plan:
    """Read (and with `lock`, lock) everything the plan needs, then decide pair by pair."""
    titles = [entry.title for entry in CollectionTitle.objects.filter(collection=collection).select_related("title")]
    if not titles:
        raise EmptyCollection(name=collection.name)
    for title in titles:  # `add_titles` keeps them out; a mass issue lends digital copies only, whatever got in
        policies.check_lent_online(title)
    title_ids = [title.pk for title in titles]
    membership = list(
        Card.groups.through.objects.filter(group__in=groups, card__library=library).values_list("card_id", "group_id")
    )
    member_ids = sorted({card_id for card_id, _group_id in membership})
    if not member_ids:
        raise GroupsWithoutReaders()
    from_fund = _free_copy_ids(library, title_ids, len(member_ids), lock=lock)
    # The readers' holds and requests of the titles, locked before the cards as every lender locks them; a loan
    # of the title ends them (circulation.services.close_waiting).
    waiting_rows = {}
    for model in (Hold, Request):
        rows = model.objects.filter(card__in=member_ids, title__in=title_ids, status="waiting").order_by("pk")
        if lock:
            rows = rows.select_for_update(of=("self",), no_key=True)
        waiting_rows[model] = list(rows.values_list("pk", "card_id", "title_id"))
    waiting = Waiting(*([pk for pk, _card, _title in waiting_rows[model]] for model in (Hold, Request)))
    waited = {(card_id, title_id) for rows in waiting_rows.values() for _pk, card_id, title_id in rows}
    cards_query = Card.objects.filter(library=library, pk__in=member_ids).select_related("user").order_by("pk")
    if lock:
        cards_query = cards_query.select_for_update(of=("self",), no_key=True)
    cards = list(cards_query)
    readers = [card for card in cards if card.status == Card.Status.ACTIVE]
    blocked = [card for card in cards if card.status != Card.Status.ACTIVE]
    if not readers:
        raise AllReadersBlocked(count=len(blocked))
    # Read after the cards are locked: a loan written by a concurrent take is then already committed.
    # Every open loan of the readers (a few each): the titles they hold and their paid books on hand.
    held, paid_on_hand = set(), Counter()
    for card_id, title_id, is_free in Loan.objects.filter(
        card__in=[card.pk for card in readers], ended_at__isnull=True
    ).values_list("card_id", "title_id", "is_free"):
        held.add((card_id, title_id))
        paid_on_hand[card_id] += not is_free
    lendable = set(lendable_titles(library).filter(pk__in=title_ids).values_list("pk", flat=True))
    rule = _rule(library)
    today = rule.local_date(now)
    pairs, too_young, already_held, held_by, waiting_for, over_limit = [], [], 0, [], [], []
    for card in readers:
        card.library = library  # every card is of this library: notices then need no query per card
        age = policies.age_on(card.birth_date, today)
        refused, has, waits, paid = [], [], [], paid_on_hand[card.pk]
        for title in titles:
            if not policies.age_allows(age_rating=title.age_rating, age=age):
                refused.append(title)
            elif (card.pk, title.pk) in held:
                already_held += 1
                has.append(title)
            else:
                pairs.append((card, title))
                paid += not title.is_free
                if (card.pk, title.pk) in waited:
                    waits.append(title)
        if refused:
            too_young.append((card, refused))
        if has:
            held_by.append((card, has))
        if waits:
            waiting_for.append((card, waits))
        # Not a refusal (the mass issue hands the set to the whole class), a warning: the reader's own limit.
        limit = policies.lending_rule(library=library, card=card).max_on_hand
        if paid > limit and paid > paid_on_hand[card.pk]:
            over_limit.append((card, paid, limit))
    needed = Counter(title.pk for _card, title in pairs)
    from_fund = {title_id: ids[: needed[title_id]] for title_id, ids in from_fund.items() if needed[title_id]}
    to_acquire = {title_id: count - len(from_fund.get(title_id, ())) for title_id, count in needed.items()}
    to_acquire = {title_id: count for title_id, count in to_acquire.items() if count > 0}
    not_lendable = [
        title for title in titles if title.pk in to_acquire and not title.is_free and title.pk not in lendable
    ]
    return Plan(
        collection=collection,
        library=library,
        groups=groups,
        titles=titles,
        readers=readers,
        blocked=blocked,
        too_young=too_young,
        already_held=already_held,
        held=held_by,
        waiting_for=waiting_for,
        over_limit=over_limit,
        pairs=pairs,
        from_fund=from_fund,
        to_acquire=to_acquire,
        not_lendable=not_lendable,
        due_at=rule.due(now),
        membership=membership,
        waiting=waiting,
    )


def plan_mass_issue(*, collection: Collection, groups: list[Group], now: datetime | None = None) -> Plan:
    """The summary shown before issuing. Raises when there is nothing to summarise (no books, no group, no
    reader, every reader blocked); other problems (balance, catalogue) are in `plan.error`."""
    _check_input(collection, groups)
    library = Library.objects.get(pk=collection.library_id)
    return _gather(library=library, collection=collection, groups=groups, now=now or clock.now(), lock=False)


# ---- mass issue: the issue ----------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    loans: int
    readers: int
    copies_acquired: int
    credits_spent: int


def mass_issue(*, librarian, collection: Collection, groups: list[Group], now: datetime | None = None) -> Issued:
    """Issue every book of `collection` to every active reader of `groups` for the library's loan period, all
    or nothing. Pairs the reader already holds or is too young for are skipped; blocked readers are skipped.
    The reader's limit of books on hand does not apply: the seed's mass issue hands the set to the whole class,
    the age rating being the only check it names."""
    _check_input(collection, groups)
    now = now or clock.now()
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _issue(librarian=librarian, collection=collection, groups=groups, now=now)
        except IntegrityError as exc:
            # The partial unique indexes refused a loan and the whole issue rolled back. A copy read as free
            # can be lent by a take that commits between our read and our lock (SKIP LOCKED does not re-read
            # the loans): the next attempt sees that loan. Anything else is a real collision.
            if not _copy_was_taken(exc) or attempt == ATTEMPTS - 1:
                raise IssueCollided() from exc
    raise AssertionError("unreachable")


def _issue(*, librarian, collection: Collection, groups: list[Group], now: datetime) -> Issued:
    library = Library.objects.select_for_update(of=("self",), no_key=True).get(pk=collection.library_id)
    plan = _gather(library=library, collection=collection, groups=groups, now=now, lock=True)
    if plan.error:
        raise plan.error
    titles = {title.pk: title for title in plan.titles}

    new_copies = [
        Copy(library=library, title=titles[title_id], acquired_at=now, cost=_price(titles[title_id]))
        for title_id, count in plan.to_acquire.items()
        for _ in range(count)
    ]
    Copy.objects.bulk_create(new_copies)
    fund = {title_id: iter(ids) for title_id, ids in plan.from_fund.items()}
    bought = defaultdict(list)
    for copy in new_copies:
        bought[copy.title_id].append(copy)
    bought = {title_id: iter(copies) for title_id, copies in bought.items()}

    due_at = plan.due_at
    loans, acquired_for = [], []
    for card, title in plan.pairs:
        copy_id = next(fund.get(title.pk, iter(())), None)
        if copy_id is None:
            copy = next(bought[title.pk])
            copy_id = copy.pk
            acquired_for.append((copy, card))
        loans.append(
            Loan(
                copy_id=copy_id,
                card=card,
                library=library,
                title=title,
                is_free=title.is_free,
                started_at=now,
                due_at=due_at,
                issued_by=librarian,
            )
        )

    ledger, balance = [], library.credits
    for copy, card in acquired_for:
        if copy.cost:
            balance -= copy.cost
            ledger.append(
                CreditEntry(
                    library=library,
                    kind=CreditEntry.Kind.ACQUISITION,
                    amount=-copy.cost,
                    balance_after=balance,
                    at=now,
                    actor=librarian,
                    title=copy.title,
                    card=card,
                )
            )
    spent = library.credits - balance
    if spent:
        CreditEntry.objects.bulk_create(ledger)
        Library.objects.filter(pk=library.pk).update(credits=F("credits") - spent)
        library.credits = balance

    Loan.objects.bulk_create(loans)
    cards = {card.pk: card for card in plan.readers}
    approved = close_waiting(plan.waiting, now=now, decided_by=librarian)
    Event.objects.bulk_create(
        [
            events.build(
                Event.Kind.COPY_ACQUIRED,
                actor=librarian,
                library=library,
                card=card,
                title=copy.title,
                now=now,
                cost=copy.cost,
            )
            for copy, card in acquired_for
        ]
        + [
            events.build(
                Event.Kind.ISSUED,
                actor=librarian,
                library=library,
                subject_user=loan.card.user,
                card=loan.card,
                title=loan.title,
                now=now,
            )
            for loan in loans
        ]
        + [
            events.build(
                Event.Kind.REQUEST_APPROVED,
                actor=librarian,
                library=library,
                subject_user=cards[card_id].user,
                card=cards[card_id],
                title=titles[title_id],
                now=now,
            )
            for card_id, title_id in approved
        ]
    )
    # `loans` follow the plan's pairs, grouped by reader: one notice lists all of a reader's books.
    with notices.batch():
        for card, card_loans in itertools.groupby(loans, key=lambda loan: loan.card):
            _notify(card, NOTICE_KIND, now=now, loans=list(card_loans), due_at=due_at)

    loans_per_card = Counter(loan.card_id for loan in loans)
    per_group = Counter()
    for card_id, group_id in plan.membership:
        per_group[group_id] += loans_per_card[card_id]
    for group in plan.groups:
        CollectionGroup.objects.update_or_create(
            collection=collection,
            group=group,
            defaults={"issued_at": now, "issued_by": librarian, "loans_issued": per_group[group.pk]},
        )
    return Issued(
        loans=len(loans),
        readers=len(loans_per_card),
        copies_acquired=len(new_copies),
        credits_spent=spent,
    )
