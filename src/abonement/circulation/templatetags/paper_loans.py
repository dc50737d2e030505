"""The reader's paper loans on My books and the Fines section of the staff reader page (SPEC P4, P5)."""

from dataclasses import dataclass

from django import template
from django.db.models import Prefetch

from abonement.circulation import fines, policies
from abonement.circulation.models import FineEntry, Loan, Renewal
from abonement.core import clock

register = template.Library()

LEDGER_ROWS = 50


@dataclass
class PaperLoan:
    loan: Loan
    renewal: Renewal | None  # the latest one
    days_overdue: int
    fine: str


def paper_loans(cards, *, now) -> list[PaperLoan]:
    """Open paper loans of `cards`, due first, with the latest renewal and the overdue days and fine so far."""
    loans = (
        Loan.objects.filter(card__in=cards, ended_at__isnull=True, copy__item__isnull=False)
        .select_related("title", "library", "copy__item", "card__library")
        .prefetch_related(Prefetch("renewals", Renewal.objects.order_by("-requested_at", "-id")))
        .order_by("due_at", "id")
    )
    rules = fines.Rules()
    rows = []
    for loan in loans:
        rules.load([loan.library_id])
        rule = rules.rule(loan.library_id, loan.copy.item.item_type_id, loan.card.category)
        days, fine = fines.fine_so_far(
            rule=rule, calendar=rules.calendars[loan.library_id], due_at=loan.due_at, now=now
        )
        latest = next(iter(loan.renewals.all()), None)
        rows.append(PaperLoan(loan, latest, days, policies.format_money(fine, loan.library.currency) if fine else ""))
    return rows


def _debtor_reason(card, now) -> str:
    from abonement.circulation import selectors

    try:
        selectors.check_not_debtor(card, now=now)
    except policies.DebtorBlocked as exc:
        return str(exc)
    return ""


@register.inclusion_tag("circulation/_my_paper_loans_list.html", takes_context=True)
def my_paper_loans(context):
    now = clock.now()
    cards = list(context["cards"])
    rows = paper_loans(cards, now=now)
    return {
        "on_time": [row for row in rows if row.loan.due_at >= now],
        "overdue": [row for row in rows if row.loan.due_at < now],
        "owing": [
            {
                "card": card,
                "owed": policies.format_money(card.fines_owed, card.library.currency),
                "blocked": _debtor_reason(card, now),
            }
            for card in cards
            if card.fines_owed or any(row.loan.card_id == card.pk and row.loan.due_at < now for row in rows)
        ],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("circulation/_reader_fines_section.html", takes_context=True)
def reader_fines(context, card):
    now = clock.now()
    return {
        "card": card,
        "balance": policies.format_money(card.fines_owed, card.library.currency),
        "entries": [
            (
                entry,
                policies.format_money(abs(entry.amount), card.library.currency),
                policies.format_money(entry.balance_after, card.library.currency),
            )
            for entry in FineEntry.objects.filter(card=card).select_related("by", "loan__title")[:LEDGER_ROWS]
        ],
        "loans": paper_loans([card], now=now),
        "csrf_token": context.get("csrf_token"),
    }
