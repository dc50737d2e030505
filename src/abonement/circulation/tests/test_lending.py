from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from abonement.catalog.models import CatalogAccess
from abonement.circulation import policies, services
from abonement.circulation.models import Copy, Hold, Loan, Request
from abonement.core.models import Event
from abonement.libraries.models import CreditEntry
from abonement.notifications.models import Notice

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def ledger_sum(library):
    return sum(CreditEntry.objects.filter(library=library).values_list("amount", flat=True))


@pytest.fixture
def library(library_factory, operator_factory):
    library = library_factory(lending_mode="self_service", max_on_hand=3, loan_days=14, timezone="Europe/Riga")
    services.grant_credits(operator=operator_factory(network=library.network), library=library, amount=5, now=NOW)
    library.refresh_from_db()
    return library


@pytest.fixture
def card(card_factory, library):
    return card_factory(library=library, birth_date=date(2012, 1, 1))


@pytest.mark.django_db
class TestCredits:
    def test_balance_equals_ledger(self, library, operator_factory):
        assert library.credits == 5 == ledger_sum(library)
        services.grant_credits(operator=None, library=library, amount=-2, now=NOW)
        library.refresh_from_db()
        assert library.credits == 3 == ledger_sum(library)
        assert CreditEntry.objects.filter(kind="correction").get().balance_after == 3

    def test_never_below_zero(self, library):
        with pytest.raises(policies.InsufficientCredits) as error:
            services.grant_credits(operator=None, library=library, amount=-6, now=NOW)
        assert error.value.params["missing"] == 1
        library.refresh_from_db()
        assert library.credits == 5 == ledger_sum(library)

    def test_database_refuses_a_negative_balance(self, library):
        with pytest.raises(IntegrityError), transaction.atomic():
            type(library).objects.filter(pk=library.pk).update(credits=-1)

    def test_zero_amount_is_refused(self, library):
        with pytest.raises(services.InvalidAmount):
            services.grant_credits(operator=None, library=library, amount=0, now=NOW)


@pytest.mark.django_db
class TestTake:
    def test_first_take_acquires_a_copy_second_reader_reuses_a_returned_one(
        self, card, card_factory, library, title_factory
    ):
        title = title_factory(price=2)
        loan = services.take(card=card, title=title, now=NOW)
        library.refresh_from_db()
        assert library.credits == 3 == ledger_sum(library)
        entry = CreditEntry.objects.get(kind="acquisition")
        assert (entry.amount, entry.title, entry.card) == (-2, title, card)
        assert loan.due_at == datetime(2026, 12, 8, 21, 59, 59, tzinfo=UTC)  # 23:59:59 in Riga
        services.return_loan(loan=loan, actor=card.user, now=NOW + timedelta(hours=1))
        other = card_factory(library=library)
        second = services.take(card=other, title=title, now=NOW + timedelta(hours=2))
        assert second.copy == loan.copy
        library.refresh_from_db()
        assert library.credits == 3 and Copy.objects.count() == 1
        kinds = list(Event.objects.filter(card__isnull=False).order_by("id").values_list("kind", flat=True))
        assert kinds == ["copy_acquired", "issued", "returned", "issued"]
        # The reader took both themselves and saw the due date on screen: no e-mail (docs/decisions/0007).
        assert not Notice.objects.filter(kind="loan_issued").exists()

    def test_free_titles_cost_nothing_and_do_not_count(self, card, library, title_factory):
        for _ in range(3):
            services.take(card=card, title=title_factory(), now=NOW)
        with pytest.raises(policies.LoanLimitReached):
            services.take(card=card, title=title_factory(), now=NOW)
        free = [title_factory(is_free=True, price=0) for _ in range(4)]
        for title in free:
            services.take(card=card, title=title, now=NOW)
        library.refresh_from_db()
        assert library.credits == 2 and Loan.objects.filter(card=card, ended_at=None).count() == 7

    def test_free_titles_can_be_taken_by_request_mode_readers(self, card, title_factory):
        card.lending_mode = "by_request"
        card.save()
        services.take(card=card, title=title_factory(is_free=True, price=0), now=NOW)
        with pytest.raises(policies.SelfServiceOff):
            services.take(card=card, title=title_factory(), now=NOW)

    @pytest.mark.parametrize(
        ("change", "error"),
        [
            ({"status": "blocked"}, policies.CardBlocked),
            ({"birth_date": date(2016, 1, 1)}, policies.AgeRatingNotMet),
            ({"birth_date": None}, policies.AgeRatingNotMet),
        ],
    )
    def test_refusals_change_nothing(self, card, library, title_factory, change, error):
        for field, value in change.items():
            setattr(card, field, value)
        card.save()
        with pytest.raises(error):
            services.take(card=card, title=title_factory(age_rating=12), now=NOW)
        library.refresh_from_db()
        assert library.credits == 5 and not Loan.objects.exists() and not Copy.objects.exists()
        assert not Notice.objects.filter(kind="loan_issued").exists()

    def test_insufficient_credits(self, card, library, title_factory):
        with pytest.raises(policies.InsufficientCredits) as error:
            services.take(card=card, title=title_factory(price=8), now=NOW)
        assert error.value.params["missing"] == 3
        assert not Copy.objects.exists()

    def test_same_title_twice(self, card, title_factory):
        title = title_factory()
        services.take(card=card, title=title, now=NOW)
        with pytest.raises(policies.AlreadyOnLoan):
            services.take(card=card, title=title, now=NOW)

    def test_self_service_acquisition_forbidden_or_capped(self, card, library, title_factory):
        library.acquisition_price_cap = 1
        library.save()
        with pytest.raises(policies.NoCopyAvailable):
            services.take(card=card, title=title_factory(price=2), now=NOW)
        library.self_service_acquisition = False
        library.save()
        with pytest.raises(policies.NoCopyAvailable):
            services.take(card=card, title=title_factory(price=1), now=NOW)

    def test_catalogue_selection_limits_acquisition(self, card, library, title_factory):
        allowed, other = title_factory(), title_factory()
        access = CatalogAccess.objects.create(library=library)
        access.titles.add(allowed)
        services.take(card=card, title=allowed, now=NOW)
        with pytest.raises(services.NotInLibraryCatalog):
            services.take(card=card, title=other, now=NOW)

    def test_database_guards_one_open_loan_per_copy(self, card, card_factory, library, title_factory):
        loan = services.take(card=card, title=title_factory(), now=NOW)
        other = card_factory(library=library)
        with pytest.raises(IntegrityError), transaction.atomic():
            Loan.objects.create(
                copy=loan.copy,
                card=other,
                library=library,
                title=loan.title,
                started_at=NOW,
                due_at=NOW + timedelta(days=1),
            )


@pytest.mark.django_db
class TestRequests:
    def test_request_approve_and_reject(self, card, card_factory, library, librarian_factory, title_factory):
        librarian = librarian_factory(library=library)
        card.lending_mode = "by_request"
        card.save()
        wanted, refused = title_factory(), title_factory()
        first = services.request_title(card=card, title=wanted, now=NOW)
        second = services.request_title(card=card, title=refused, now=NOW)
        with pytest.raises(services.AlreadyRequested):
            services.request_title(card=card, title=wanted, now=NOW)
        [outcome] = services.approve_requests(librarian=librarian, requests=[first], now=NOW)
        assert outcome.error is None
        first.refresh_from_db()
        assert first.status == "approved" and first.loan.card == card and first.decided_by == librarian
        [again] = services.approve_requests(librarian=librarian, requests=[first], now=NOW)
        assert isinstance(again.error, services.AlreadyDecided)
        with pytest.raises(services.ReasonRequired):
            services.reject_requests(librarian=librarian, requests=[second], reason="  ", now=NOW)
        services.reject_requests(librarian=librarian, requests=[second], reason="Not for your class", now=NOW)
        second.refresh_from_db()
        assert second.status == "rejected" and second.reason == "Not for your class"
        notice = Notice.objects.get(kind="request_rejected")
        assert "Not for your class" in notice.body
        assert Event.objects.get(kind="request_rejected").reason == "Not for your class"

    def test_reader_cancels_own_request_only(self, card, card_factory, library, title_factory):
        request = services.request_title(card=card, title=title_factory(), now=NOW)
        with pytest.raises(Request.DoesNotExist):
            services.cancel_request(card=card_factory(library=library), request=request, now=NOW)
        services.cancel_request(card=card, request=request, now=NOW)
        request.refresh_from_db()
        assert request.status == "cancelled"

    def test_force_issue(self, card, library, librarian_factory, title_factory):
        librarian = librarian_factory(library=library)
        loan = services.force_issue(
            librarian=librarian, library=library, card_number=f" {card.number} ", title=title_factory(), now=NOW
        )
        assert loan.issued_by == librarian
        notice = Notice.objects.get(kind="loan_issued", user=card.user)
        assert loan.title.title in notice.subject
        with pytest.raises(services.UnknownCard):
            services.force_issue(
                librarian=librarian, library=library, card_number="999", title=title_factory(), now=NOW
            )


@pytest.mark.django_db
class TestQueueAndExpiry:
    def test_return_goes_to_the_first_qualifying_reader(self, card, card_factory, library, title_factory):
        library.self_service_acquisition = False
        library.save()
        title = title_factory()
        Copy.objects.create(library=library, title=title, acquired_at=NOW)
        loan = services.take(card=card, title=title, now=NOW)
        blocked, first, second = (card_factory(library=library, birth_date=date(2010, 1, 1)) for _ in range(3))
        for i, waiting in enumerate((blocked, first, second)):
            with pytest.raises(policies.NoCopyAvailable):
                services.take(card=waiting, title=title, now=NOW)
            services.join_queue(card=waiting, title=title, now=NOW + timedelta(minutes=i))
        blocked.status = "blocked"
        blocked.save()
        hold = Hold.objects.get(card=second)
        assert services.queue_position(hold) == 3
        services.return_loan(loan=loan, actor=card.user, now=NOW + timedelta(hours=1))
        new = Loan.objects.get(ended_at=None)
        assert new.card == first
        skipped = Hold.objects.get(card=blocked)
        assert skipped.status == "cancelled"
        assert Notice.objects.filter(kind="queue_skipped", user=blocked.user).exists()
        assert Notice.objects.filter(kind="queue_turn", user=first.user).exists()
        assert services.queue_position(Hold.objects.get(card=second)) == 1
        assert Event.objects.filter(kind="issued", card=first).get().actor is None

    def test_expiry_ends_due_loans_once_and_serves_queue(self, card, card_factory, library, title_factory):
        library.self_service_acquisition = False
        library.save()
        title = title_factory()
        Copy.objects.create(library=library, title=title, acquired_at=NOW)
        loan = services.take(card=card, title=title, now=NOW)
        waiting = card_factory(library=library)
        services.join_queue(card=waiting, title=title, now=NOW)
        assert services.expire_due_loans(now=loan.due_at - timedelta(seconds=1)) == 0
        assert services.expire_due_loans(now=loan.due_at) == 1
        assert services.expire_due_loans(now=loan.due_at) == 0
        loan.refresh_from_db()
        assert loan.end_reason == "expired"
        assert Event.objects.get(kind="loan_expired").actor_label == "System"
        assert Loan.objects.get(ended_at=None).card == waiting
        assert Notice.objects.filter(kind="loan_ended").count() == 1

    def test_expiry_writes_full_events_and_one_notice_per_reader(self, card, card_factory, library, title_factory):
        other = card_factory(library=library, birth_date=date(2012, 1, 1))
        titles = [title_factory(title=name) for name in ("Ёлка", "Ķēniņš", "Аленький цветочек")]
        for title in titles:
            services.take(card=card, title=title, now=NOW)
        services.take(card=other, title=titles[0], now=NOW)
        due = Loan.objects.first().due_at
        # Batches of 2 split the first reader's loans: still every loan ends exactly once.
        assert services.expire_due_loans(now=due, batch_size=2) == 4
        assert not Loan.objects.filter(ended_at=None).exists()
        expired = Event.objects.filter(kind="loan_expired")
        assert expired.count() == 4
        assert {
            (e.card_id, e.title_id, e.subject_user_id, e.library_id, e.actor_id, e.actor_label) for e in expired
        } == {
            (loan.card_id, loan.title_id, loan.card.user_id, library.pk, None, "System") for loan in Loan.objects.all()
        }
        assert all(e.at == due for e in expired)
        # stored as the ORM stores datetimes, so a query by time finds them (SQLite compares text)
        assert Event.objects.filter(kind="loan_expired", at=due).count() == 4
        for_first = Notice.objects.filter(kind="loan_ended", user=card.user)
        assert sum(len([t for t in ("Ёлка", "Ķēniņš", "Аленький цветочек") if t in n.body]) for n in for_first) == 3
        assert for_first.count() <= 2  # one per reader and batch
        [for_other] = Notice.objects.filter(kind="loan_ended", user=other.user)
        assert "Ёлка" in for_other.subject and for_other.to == other.user.email
        assert services.expire_due_loans(now=due) == 0
        assert Event.objects.filter(kind="loan_expired").count() == 4

    def test_one_notice_lists_every_book_of_the_reader(self, card, title_factory):
        for name in ("First book", "Second book"):
            services.take(card=card, title=title_factory(title=name), now=NOW)
        services.expire_due_loans(now=Loan.objects.first().due_at)
        [notice] = Notice.objects.filter(kind="loan_ended")
        assert "2 books" in notice.subject
        assert "- First book" in notice.body and "- Second book" in notice.body

    def test_joining_the_queue_when_a_copy_came_back_lends_it_at_once(self, card, card_factory, library, title_factory):
        library.self_service_acquisition = False
        library.save()
        title = title_factory()
        Copy.objects.create(library=library, title=title, acquired_at=NOW)
        loan = services.take(card=card, title=title, now=NOW)
        waiting = card_factory(library=library)
        with pytest.raises(policies.NoCopyAvailable):
            services.take(card=waiting, title=title, now=NOW)
        # The copy comes back between the refusal and the click on "Join the queue".
        Loan.objects.filter(pk=loan.pk).update(ended_at=NOW, end_reason="returned")
        hold = services.join_queue(card=waiting, title=title, now=NOW)
        assert hold.status == "fulfilled" and hold.loan.card == waiting
        assert Notice.objects.filter(kind="queue_turn", user=waiting.user).exists()


@pytest.mark.django_db
def test_copies_freed_together_serve_their_lines_in_order_within_limits(card, card_factory, library, title_factory):
    """Expiry frees many copies at once: each goes to the first qualifying reader of its line, the counts of a
    reader waiting in two lines are kept as the batch lends, and the skipped learn why."""
    library.self_service_acquisition, library.max_on_hand = False, 1
    library.save()
    novel, poems = title_factory(title="Novel"), title_factory(title="Poems")
    for title in (novel, novel, poems):
        Copy.objects.create(library=library, title=title, acquired_at=NOW)
    holders = [card_factory(library=library, birth_date=date(2010, 1, 1)) for _ in range(3)]
    for holder, title in zip(holders, (novel, novel, poems), strict=True):
        services.take(card=holder, title=title, now=NOW)
    blocked, greedy, third, fourth = (card_factory(library=library, birth_date=date(2010, 1, 1)) for _ in range(4))
    line = [(blocked, novel), (greedy, novel), (greedy, poems), (third, novel), (fourth, poems)]
    for minute, (reader, title) in enumerate(line):
        services.join_queue(card=reader, title=title, now=NOW + timedelta(minutes=minute))
    blocked.status = "blocked"
    blocked.save()
    assert services.expire_due_loans(now=Loan.objects.first().due_at) == 3
    open_loans = {(loan.card_id, loan.title_id) for loan in Loan.objects.filter(ended_at=None)}
    # greedy gets a novel and, at their limit of 1, is skipped for the poems, which go to the next in line.
    assert open_loans == {(greedy.pk, novel.pk), (third.pk, novel.pk), (fourth.pk, poems.pk)}
    skipped = Event.objects.filter(kind="queue_skipped")
    assert {(e.card_id, e.title_id) for e in skipped} == {(blocked.pk, novel.pk), (greedy.pk, poems.pk)}
    assert skipped.get(card=greedy).reason == str(policies.LoanLimitReached(limit=1))
    assert Hold.objects.filter(status="waiting").count() == 0
    assert Notice.objects.filter(kind="queue_turn").count() == 3
    assert set(Notice.objects.filter(kind="queue_skipped").values_list("user", flat=True)) == {
        blocked.user_id,
        greedy.user_id,
    }
    assert Event.objects.filter(kind="issued", actor=None, actor_label="System").count() == 3


@pytest.mark.django_db
def test_copies_left_free_while_their_line_waits_are_lent_by_the_minute_s_sweep(
    card, card_factory, library, library_factory, title_factory
):
    """What a race can leave behind (a copy free, readers waiting for it) is lent by the next sweep, in line
    order and by the same rules; copies on loan, other libraries' lines and lines nobody waits in are left."""
    library.self_service_acquisition = False
    library.save()
    novel, poems, nobody_waits = title_factory(title="Novel"), title_factory(title="Poems"), title_factory()
    elsewhere = library_factory(lending_mode="self_service", self_service_acquisition=False)
    for title in (novel, novel, poems, nobody_waits):
        Copy.objects.create(library=library, title=title, acquired_at=NOW)
    on_loan = services.take(card=card, title=poems, now=NOW)
    Copy.objects.create(library=elsewhere, title=novel, acquired_at=NOW)
    too_young = card_factory(library=library, birth_date=date(2024, 1, 1))
    first, second, third = (card_factory(library=library) for _ in range(3))
    # The race's outcome: holds written as if their copies had been out when the readers joined.
    line = [(too_young, novel), (first, novel), (second, poems), (second, novel), (third, novel)]
    for minute, (reader, title) in enumerate(line):
        Hold.objects.create(card=reader, library=library, title=title, created_at=NOW + timedelta(minutes=minute))
    novel.age_rating = 16
    novel.save()
    later = NOW + timedelta(hours=1)

    assert services.serve_idle_copies(now=later) == 2
    lent = {(loan.card_id, loan.title_id) for loan in Loan.objects.filter(ended_at=None, started_at=later)}
    assert lent == {(first.pk, novel.pk), (second.pk, novel.pk)}
    assert Hold.objects.get(card=too_young).status == "cancelled"
    assert Hold.objects.get(card=second, title=poems).status == "waiting"  # its copy is on loan
    assert Hold.objects.get(card=third).status == "waiting"
    assert Loan.objects.get(pk=on_loan.pk).ended_at is None
    assert not Loan.objects.filter(library=elsewhere).exists()
    assert not Loan.objects.filter(title=nobody_waits).exists()
    assert Notice.objects.filter(kind="queue_turn").count() == 2
    assert Event.objects.filter(kind="issued", actor=None, at=later).count() == 2
    assert services.serve_idle_copies(now=later) == 0


@pytest.mark.django_db
def test_a_copy_lent_meanwhile_is_told_apart_from_the_same_reader_twice(card, card_factory, library, title_factory):
    """`take` retries on the first and refuses the second: the classifier reads this database's real errors."""
    loan = services.take(card=card, title=title_factory(), now=NOW)
    spare = Copy.objects.create(library=library, title=loan.title, acquired_at=NOW)
    due = NOW + timedelta(days=1)
    with pytest.raises(IntegrityError) as same_copy, transaction.atomic():
        Loan.objects.create(
            copy=loan.copy,
            card=card_factory(library=library),
            library=library,
            title=loan.title,
            started_at=NOW,
            due_at=due,
        )
    with pytest.raises(IntegrityError) as same_reader, transaction.atomic():
        Loan.objects.create(copy=spare, card=card, library=library, title=loan.title, started_at=NOW, due_at=due)
    assert services._copy_was_taken(same_copy.value)
    assert not services._copy_was_taken(same_reader.value)


@pytest.mark.django_db
def test_a_take_costs_a_bounded_number_of_queries(card, library, title_factory, django_assert_max_num_queries):
    title = title_factory()
    Copy.objects.create(library=library, title=title, acquired_at=NOW)
    # savepoint, free copy, the card's hold or request of the title, card lock, on-hand count, loan, event, release
    with django_assert_max_num_queries(8):
        services.take(card=card, title=title, now=NOW)


@pytest.mark.django_db(transaction=True)
def test_worker_ends_due_loans_and_keeps_the_next_run_queued(card_factory, library_factory, title_factory):
    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from abonement.circulation.tasks import expire_loans, schedule_expiry

    library = library_factory(lending_mode="self_service")
    card = card_factory(library=library)
    long_ago = timezone.now() - timedelta(days=60)
    loan = services.take(card=card, title=title_factory(is_free=True, price=0), now=long_ago)
    schedule_expiry()
    schedule_expiry()  # a second worker start adds nothing
    runs = DBTaskResult.objects.filter(task_path=expire_loans.module_path, status="READY")
    assert runs.count() == 1
    # A copy left free while a reader waits for it (what a race can leave): the same run lends it.
    idle = Copy.objects.create(library=library, title=title_factory(), acquired_at=long_ago)
    waiting = card_factory(library=library)
    Hold.objects.create(card=waiting, library=library, title=idle.title, created_at=long_ago)
    runs.update(run_after=long_ago)  # the scheduled run is due; the loan's last day is long over
    call_command("worker", batch=True, verbosity=0)
    loan.refresh_from_db()
    assert loan.end_reason == "expired"
    assert Loan.objects.get(copy=idle, ended_at=None).card == waiting
    assert DBTaskResult.objects.filter(task_path=expire_loans.module_path, status="READY").count() == 1


@pytest.mark.django_db
def test_the_last_day_is_counted_in_the_library_s_time_zone(library_factory, card_factory, title_factory):
    # 23:59 of the last day in New York is already the next day in UTC: the reader must see the New York date.
    library = library_factory(lending_mode="self_service", loan_days=14, timezone="America/New_York")
    loan = services.take(card=card_factory(library=library), title=title_factory(is_free=True, price=0), now=NOW)
    assert loan.due_at.astimezone(UTC).date() == date(2026, 12, 9)
    assert Loan.objects.get(pk=loan.pk).last_day == date(2026, 12, 8)
    # and so does the e-mail of a book given by the librarian, whatever the server's own time zone
    given = services.force_issue(
        librarian=None,
        library=library,
        card_number=loan.card.number,
        title=title_factory(is_free=True, price=0),
        now=NOW,
    )
    [notice] = Notice.objects.filter(kind="loan_issued", user=loan.card.user)
    assert given.due_at.astimezone(UTC).date() == date(2026, 12, 9)
    assert "08.12.2026 23:59" in notice.body
