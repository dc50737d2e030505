"""Pure lending rules: given facts, return a decision. No queries, no writes."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext_lazy as _

from abonement.core.errors import DomainError
from abonement.libraries.models import LendingMode


class CardBlocked(DomainError):
    code = "card_blocked"
    status = 403
    message = _("The reader card %(number)s is blocked: it cannot take or request books.")


class AgeRatingNotMet(DomainError):
    code = "age_rating_not_met"
    status = 403
    message = _("This book is rated %(rating)s+; the reader is %(age)s.")


class LoanLimitReached(DomainError):
    code = "loan_limit_reached"
    status = 409
    message = _("The reader already has %(limit)d books on hand, the most allowed. Return one or ask the librarian.")


class AlreadyOnLoan(DomainError):
    code = "already_on_loan"
    status = 409
    message = _("The reader already has this book.")


class SelfServiceOff(DomainError):
    code = "self_service_off"
    status = 409
    message = _("This book is lent on request: ask the librarian for it.")


class NoCopyAvailable(DomainError):
    code = "no_copy_available"
    status = 409
    message = _("No copy is free right now: join the queue and the book comes to you when a copy returns.")


class NoCopyToQueueFor(DomainError):
    code = "no_copy_to_queue_for"
    status = 409
    message = _(
        "The library has no copy of this book and cannot get one by itself, so a queue for it would never move: "
        "request it from the librarian, who decides whether to get a copy."
    )


class InsufficientCredits(DomainError):
    code = "insufficient_credits"
    status = 409
    message = _("The library's balance cannot pay for this: %(missing)d more credits are needed.")


@dataclass(frozen=True)
class LendingRule:
    mode: str
    max_on_hand: int
    loan_days: int
    timezone: str

    @property
    def self_service(self) -> bool:
        return self.mode == LendingMode.SELF_SERVICE

    def local_date(self, now: datetime) -> date:
        """Today in the library's time zone: ages and due dates count in local days."""
        return now.astimezone(zoneinfo.ZoneInfo(self.timezone)).date()

    def due(self, now: datetime) -> datetime:
        """23:59:59 of the last day of the loan, in the library's time zone (SPEC L7)."""
        tz = zoneinfo.ZoneInfo(self.timezone)
        last_day = now.astimezone(tz).date() + timedelta(days=self.loan_days)
        return datetime.combine(last_day, time(23, 59, 59), tzinfo=tz)


def lending_rule(*, library, card) -> LendingRule:
    """The library's defaults with the card's overrides; self-service switched off library-wide wins."""
    mode = library.lending_mode if card.lending_mode == "default" else card.lending_mode
    if not library.self_service_enabled:
        mode = LendingMode.BY_REQUEST
    return LendingRule(
        mode=mode,
        max_on_hand=card.max_on_hand or library.max_on_hand,
        loan_days=library.loan_days,
        timezone=library.timezone,
    )


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def age_allows(*, age_rating: int, age: int | None) -> bool:
    """Unknown age (a blank card not filled in yet) passes only 0+ titles."""
    return age_rating == 0 or (age is not None and age >= age_rating)


def check_can_borrow(*, card, title, rule: LendingRule, paid_on_hand: int, has_title: bool, today: date) -> None:
    """Raise the first reason why `card` may not get `title` now; free titles never count toward the limit."""
    if card.status != "active":
        raise CardBlocked(number=card.number)
    age = age_on(card.birth_date, today)
    if not age_allows(age_rating=title.age_rating, age=age):
        raise AgeRatingNotMet(rating=title.age_rating, age=_("of unknown age") if age is None else age)
    if has_title:
        raise AlreadyOnLoan()
    if not title.is_free and paid_on_hand >= rule.max_on_hand:
        raise LoanLimitReached(limit=rule.max_on_hand)


def may_acquire_by_self_service(*, library, title) -> bool:
    if not library.self_service_acquisition:
        return False
    return library.acquisition_price_cap is None or title.price <= library.acquisition_price_cap


def check_can_queue(*, has_copies: bool, may_acquire: bool) -> None:
    """A queue moves only when a copy of the library comes back: none owned and none to be had, nobody would
    ever be served (issue #13). The librarian may still get one on request."""
    if not has_copies and not may_acquire:
        raise NoCopyToQueueFor()


# --- Paper circulation (SPEC P1, P4, P5; issue #14) -------------------------------------------------------------


@dataclass(frozen=True)
class PaperRule:
    """The circulation rule for one paper loan: a `CirculationRule` row's terms, or the defaults."""

    loan_days: int = 30
    renewals_allowed: int = 2
    fine_per_day: int = 0
    fine_cap: int | None = None
    reservable_online: bool = True
    reading_room_only: bool = False

    @classmethod
    def of(cls, row) -> "PaperRule":
        return cls(
            loan_days=row.loan_days,
            renewals_allowed=row.renewals_allowed,
            fine_per_day=row.fine_per_day,
            fine_cap=row.fine_cap,
            reservable_online=row.reservable_online,
            reading_room_only=row.reading_room_only,
        )

    def fine_for(self, overdue_days: int) -> int:
        """The fine for an item `overdue_days` late, capped per item (cents or kopecks)."""
        fine = max(overdue_days, 0) * self.fine_per_day
        return fine if self.fine_cap is None else min(fine, self.fine_cap)


DEFAULT_PAPER_RULE = PaperRule()


def resolve_rule(
    rules, *, library_id: int, parent_id: int | None, item_type_id: int | None, category: str
) -> PaperRule:
    """The one place that picks the rule of a paper loan. `rules` are the CirculationRule rows (or any objects
    with `library_id`, `item_type_id`, `reader_category` and the terms) of the library and of its central library.

    The library's own rules win over the central library's; among them the most specific one: item type and
    reader category, then item type, then reader category, then the general rule. No rule: the defaults."""
    wanted = [(item_type_id, category), (item_type_id, ""), (None, category), (None, "")]
    for owner in (library_id, parent_id):
        if owner is None:
            continue
        by_key = {(row.item_type_id, row.reader_category): row for row in rules if row.library_id == owner}
        for key in wanted:
            row = by_key.get(key)
            if row is not None:
                return PaperRule.of(row)
    return DEFAULT_PAPER_RULE


class DebtorBlocked(DomainError):
    code = "debtor_blocked"
    status = 403
    message = _(
        "You cannot reserve or request books until you %(what)s. Overdue books: %(overdue)d; fines owed: %(owed)s."
    )


def check_not_debtor(*, overdue_items: int, fines_owed: int, threshold: int, currency: str) -> None:
    """SPEC P4: a reader with an overdue item, or owing `threshold` or more, may not reserve or make free-form
    requests until they return it or pay. `fines_owed` and `threshold` are in cents or kopecks."""
    if overdue_items or fines_owed >= max(threshold, 1):
        what = _("return the overdue books") if overdue_items else _("pay the fines")
        raise DebtorBlocked(what=what, overdue=overdue_items, owed=format_money(fines_owed, currency))


def format_money(amount: int, currency: str) -> str:
    """12345, "EUR" → "123.45 EUR" (amounts are kept in cents or kopecks)."""
    return f"{amount // 100}.{amount % 100:02d} {currency}"


class PaperTitleNotLentOnline(DomainError):
    code = "paper_title_not_lent_online"
    status = 409
    message = _("This is a paper book: reserve it or ask at the library desk")


def check_lent_online(title) -> None:
    """The e-lending services (take, request, queue, issue, mass issue) lend digital copies only: a paper title
    is lent through its items at the desk or reserved (issue #14)."""
    if title.is_paper:
        raise PaperTitleNotLentOnline()


class PaperLoanReturnedAtDesk(DomainError):
    code = "paper_loan_returned_at_desk"
    status = 409
    message = _("This is a paper book: bring it back to the library desk.")
