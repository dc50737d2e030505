"""Fines for overdue paper loans (SPEC P4): the nightly charge, payments and waivers.

Every movement is a `FineEntry` row written together with the change of `Card.fines_owed`, under the card's row
lock, so the balance always equals the ledger's sum; CHECKs refuse a negative balance or entry. A daily charge
names its overdue day (`charged_for`): the unique index (loan, charged_for) makes a second run, or a second
worker, write nothing twice.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import F, Max, Sum
from django.utils.translation import gettext_lazy as _

from abonement.circulation import policies
from abonement.circulation.models import CirculationRule, FineEntry, Loan
from abonement.core import clock, events
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.calendar import Calendar, calendar_for
from abonement.libraries.models import Library
from abonement.readers.models import Card


class InvalidFineAmount(DomainError):
    code = "invalid_fine_amount"
    message = _("Amount: give a sum greater than zero, such as 2.50.")


class AmountOverBalance(DomainError):
    code = "fine_amount_over_balance"
    message = _("Amount: %(amount)s is more than the reader owes (%(balance)s).")


class NothingOwed(DomainError):
    code = "nothing_owed"
    status = 409
    message = _("The reader owes no fines.")


class WaiverReasonRequired(DomainError):
    code = "waiver_reason_required"
    message = _("Reason: say why the fine is waived; it is kept in the ledger.")


def parse_amount(text: str) -> int:
    """ "2.50" or "2,50" → 250 (cents or kopecks). Anything else, zero or negative: `InvalidFineAmount`."""
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidFineAmount() from None
    cents = value * 100
    if not value.is_finite() or cents != cents.to_integral_value() or cents <= 0:
        raise InvalidFineAmount()
    return int(cents)


def _lock_card(card: Card) -> Card:
    return Card.objects.select_for_update().select_related("library").get(pk=card.pk)


def _move(*, card: Card, kind: str, amount: int, now: datetime, by=None, note: str = "") -> FineEntry:
    """A payment or waiver of `amount` (> 0) off the locked card's balance."""
    card.fines_owed -= amount
    card.save(update_fields=["fines_owed"])
    return FineEntry.objects.create(
        card=card,
        library=card.library,
        kind=kind,
        amount=-amount,
        balance_after=card.fines_owed,
        at=now,
        by=by,
        note=note[:300],
    )


@transaction.atomic
def pay(*, librarian, card: Card, amount: int, now: datetime | None = None, note: str = "") -> FineEntry:
    """Record a payment, full or part: 0 < amount ≤ what the reader owes."""
    now = now or clock.now()
    if not isinstance(amount, int) or amount <= 0:
        raise InvalidFineAmount()
    card = _lock_card(card)
    currency = card.library.currency
    if amount > card.fines_owed:
        raise AmountOverBalance(
            amount=policies.format_money(amount, currency), balance=policies.format_money(card.fines_owed, currency)
        )
    entry = _move(card=card, kind=FineEntry.Kind.PAYMENT, amount=amount, now=now, by=librarian, note=note)
    events.record_for_card(
        Event.Kind.FINE_PAID, card=card, actor=librarian, now=now, amount=amount, balance=card.fines_owed
    )
    return entry


@transaction.atomic
def waive(*, librarian, card: Card, amount: int | None, reason: str, now: datetime | None = None) -> FineEntry:
    """Waive `amount` of the reader's fines (None: all of them); the reason is required and kept."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise WaiverReasonRequired()
    if amount is not None and (not isinstance(amount, int) or amount <= 0):
        raise InvalidFineAmount()
    card = _lock_card(card)
    if card.fines_owed == 0:
        raise NothingOwed()
    amount = card.fines_owed if amount is None else amount
    if amount > card.fines_owed:
        currency = card.library.currency
        raise AmountOverBalance(
            amount=policies.format_money(amount, currency), balance=policies.format_money(card.fines_owed, currency)
        )
    entry = _move(card=card, kind=FineEntry.Kind.WAIVER, amount=amount, now=now, by=librarian, note=reason)
    events.record_for_card(
        Event.Kind.FINE_WAIVED,
        card=card,
        actor=librarian,
        now=now,
        reason=reason,
        amount=amount,
        balance=card.fines_owed,
    )
    return entry


# ---- the nightly charge -------------------------------------------------------------------------


def overdue_days(calendar: Calendar, due_at: datetime, now: datetime, after: date | None = None) -> list[date]:
    """The opening days a loan due at `due_at` is late by `now`: after its due day (and after `after`, the last
    day already charged), up to and including today."""
    if now <= due_at:
        return []
    start, today = calendar.local_date(due_at), calendar.local_date(now)
    if after is not None and after > start:
        start = after
    return [
        start + timedelta(days=n)
        for n in range(1, (today - start).days + 1)
        if calendar.is_open(start + timedelta(days=n))
    ]


class Rules:
    """Rules and calendars of the libraries of a batch of loans, loaded once per job run."""

    def __init__(self):
        self.calendars: dict[int, Calendar] = {}
        self.libraries: dict[int, Library] = {}
        self.rows: dict[int, list] = {}

    def load(self, library_ids) -> None:
        missing = set(library_ids) - set(self.libraries)
        if not missing:
            return
        libraries = Library.objects.in_bulk(missing)
        parents = {lib.parent_id for lib in libraries.values() if lib.parent_id} - set(self.libraries)
        owners = missing | parents
        rows = defaultdict(list)
        for row in CirculationRule.objects.filter(library_id__in=owners):
            rows[row.library_id].append(row)
        for pk, library in libraries.items():
            self.libraries[pk] = library
            self.rows[pk] = rows[pk] + (rows[library.parent_id] if library.parent_id else [])
            self.calendars[pk] = calendar_for(library)

    def rule(self, library_id: int, item_type_id: int | None, category: str) -> policies.PaperRule:
        library = self.libraries[library_id]
        return policies.resolve_rule(
            self.rows[library_id],
            library_id=library_id,
            parent_id=library.parent_id,
            item_type_id=item_type_id,
            category=category,
        )


def charge_overdue_fines(*, now: datetime | None = None, batch_size: int = 2000) -> int:
    """Charge every open paper loan past its due date one entry per overdue opening day not charged yet, never
    above the rule's cap per loan. Set-based: a batch of cards costs a constant number of queries. Safe to run
    twice or in two workers at once: a batch's cards are locked before their charges are read, and the charge
    INSERT skips a (loan, day) already written. Returns the number of entries written."""
    now = now or clock.now()
    overdue = (
        Loan.objects.filter(ended_at__isnull=True, due_at__lt=now, copy__item__isnull=False)
        .order_by("card_id")
        .values_list("card_id", flat=True)
        .distinct()
    )
    card_ids = list(overdue)
    rules = Rules()
    written = 0
    for start in range(0, len(card_ids), batch_size):
        written += _charge_cards(card_ids[start : start + batch_size], rules=rules, now=now)
    return written


@transaction.atomic
def _charge_cards(card_ids: list[int], *, rules: Rules, now: datetime) -> int:
    # Lock the cards (in id order) before reading their charges: a second worker waits here, then finds the
    # charges the first one wrote.
    balance = dict(
        Card.objects.select_for_update().filter(pk__in=card_ids).order_by("pk").values_list("pk", "fines_owed")
    )
    loans = list(
        Loan.objects.filter(card_id__in=card_ids, ended_at__isnull=True, due_at__lt=now, copy__item__isnull=False)
        .order_by("card_id", "id")
        .values_list("id", "card_id", "library_id", "copy__item__item_type_id", "card__category", "due_at")
    )
    rules.load({loan[2] for loan in loans})
    charged = {
        row["loan_id"]: (row["total"], row["last"])
        for row in FineEntry.objects.filter(loan_id__in=[loan[0] for loan in loans], kind=FineEntry.Kind.CHARGE)
        .values("loan_id")
        .annotate(total=Sum("amount"), last=Max("charged_for"))
    }
    rows = []
    for loan_id, card_id, library_id, item_type_id, category, due_at in loans:
        rule = rules.rule(library_id, item_type_id, category)
        if rule.fine_per_day <= 0:
            continue
        total, last = charged.get(loan_id, (0, None))
        room = None if rule.fine_cap is None else rule.fine_cap - total
        for day in overdue_days(rules.calendars[library_id], due_at, now, after=last):
            amount = rule.fine_per_day if room is None else min(rule.fine_per_day, room)
            if amount <= 0:
                break
            if room is not None:
                room -= amount
            balance[card_id] += amount
            rows.append((card_id, library_id, loan_id, amount, balance[card_id], day))
    inserted = _insert_charges(rows, now=now)
    if not inserted:
        return 0
    by_card: dict[int, list] = defaultdict(list)
    for card_id, amount, loan_id in inserted:
        by_card[card_id].append((amount, loan_id))
    added = {card_id: sum(amount for amount, _ in charges) for card_id, charges in by_card.items()}
    _add_to_balances(added)
    owners = Card.objects.filter(pk__in=list(added)).values_list("pk", "library_id", "user_id", "fines_owed")
    rows = []
    for card_id, library_id, user_id, owed in owners:
        event = events.build(
            Event.Kind.FINE_CHARGED,
            actor=None,
            now=now,
            amount=added[card_id],
            loans=sorted({loan_id for _, loan_id in by_card[card_id]}),
            balance=owed,
        )
        event.library_id, event.subject_user_id, event.card_id = library_id, user_id, card_id
        rows.append(event)
    Event.objects.bulk_create(rows, batch_size=1000)
    return len(inserted)


def _insert_charges(rows: list[tuple], *, now: datetime, batch_size: int = 1000) -> list[tuple[int, int, int]]:
    """INSERT the charges, skipping a (loan, day) already charged; returns (card, amount, loan) of the rows
    written (ON CONFLICT DO NOTHING RETURNING). PostgreSQL gets one array per column (a handful of parameters
    for thousands of rows); SQLite a VALUES list per `batch_size` rows."""
    table = FineEntry._meta.db_table
    columns = "card_id, library_id, loan_id, kind, amount, balance_after, charged_for, at, note"
    written = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if rows:
                card_ids, library_ids, loan_ids, amounts, balances, days = (
                    list(column) for column in zip(*rows, strict=True)
                )
                # The table and column names come from the model; every value is a parameter.
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT c, l, n, %s, a, b, d, %s, '' FROM"  # noqa: S608
                    " unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::int[], %s::int[], %s::date[])"
                    " AS v(c, l, n, a, b, d) ON CONFLICT DO NOTHING RETURNING card_id, amount, loan_id",
                    [FineEntry.Kind.CHARGE, now, card_ids, library_ids, loan_ids, amounts, balances, days],
                )
                written = cursor.fetchall()
            return written
        at = connection.ops.adapt_datetimefield_value(now)
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            values = []
            for card_id, library_id, loan_id, amount, balance_after, day in chunk:
                values += [card_id, library_id, loan_id, FineEntry.Kind.CHARGE, amount, balance_after, day, at, ""]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
                + " ON CONFLICT DO NOTHING RETURNING card_id, amount, loan_id",
                values,
            )
            written += cursor.fetchall()
    return written


def _add_to_balances(added: dict[int, int]) -> None:
    """fines_owed += the charges just written, for the locked cards: one UPDATE on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = Card._meta.db_table
            cursor.execute(
                f"UPDATE {table} SET fines_owed = fines_owed + v.a"  # noqa: S608
                f" FROM unnest(%s::bigint[], %s::int[]) AS v(id, a) WHERE {table}.id = v.id",
                [list(added), list(added.values())],
            )
        return
    for card_id, amount in added.items():
        Card.objects.filter(pk=card_id).update(fines_owed=F("fines_owed") + amount)


def fine_so_far(*, rule: policies.PaperRule, calendar: Calendar, due_at: datetime, now: datetime) -> tuple[int, int]:
    """(opening days overdue, the fine by the rule, capped) of one loan — what the reader's page shows."""
    days = len(overdue_days(calendar, due_at, now))
    return days, rule.fine_for(days)
