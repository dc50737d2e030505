"""Periodic notices of paper loans (SPEC N1): the due-date reminder and the overdue notices.

A reminder goes N opening days before the due date (Library.due_reminder_opening_days, 0: none); an overdue
notice on the first overdue opening day and every Library.overdue_notice_every_days opening days after. Each
notice carries a `dedupe_key` ("due:<loan>:<due date>", "overdue:<loan>:<n>"): a second run, or two workers at
once, write each one once. Keys already written are skipped before rendering, so a rerun costs only reads.
"""

from datetime import datetime, timedelta

from django.db import transaction

from abonement.circulation import fines, policies
from abonement.circulation.models import Loan
from abonement.circulation.services import _notify
from abonement.core import clock
from abonement.libraries.models import Library
from abonement.notifications import services as notices
from abonement.notifications.models import Notice

# Loans due further away than this are never reminded today, whatever the calendar (N opening days ≤ 3N+14 days).
REMINDER_HORIZON_DAYS = 3 * 30 + 14


def _paper_loans():
    return Loan.objects.filter(ended_at__isnull=True, copy__item__isnull=False)


FIELDS = ("id", "library_id", "due_at", "copy__item__item_type_id", "card__category")


def _send(candidates: list[tuple[str, int, str, dict]], *, now: datetime, batch_size: int) -> int:
    """Queue the notices whose key is new, `batch_size` per transaction; only their loans are loaded whole.
    `candidates` are (key, loan id, kind, context). Returns how many notices were written."""
    written = 0
    libraries: dict[int, Library] = {}
    for start in range(0, len(candidates), batch_size):
        chunk = candidates[start : start + batch_size]
        existing = set(Notice.objects.filter(dedupe_key__in=[c[0] for c in chunk]).values_list("dedupe_key", flat=True))
        fresh = [c for c in chunk if c[0] not in existing]
        if not fresh:
            continue
        loans = Loan.objects.select_related("card__user", "title", "copy__item").in_bulk([c[1] for c in fresh])
        # The few libraries once, shared by every card and item, rather than two joined copies a loan.
        wanted = {loan.card.library_id for loan in loans.values()} | {
            loan.copy.item.library_id for loan in loans.values()
        }
        missing = wanted - libraries.keys()
        if missing:
            libraries.update(Library.objects.in_bulk(missing))
        for loan in loans.values():
            loan.card.library = libraries[loan.card.library_id]
            loan.copy.item.library = libraries[loan.copy.item.library_id]
        with transaction.atomic():
            with notices.batch():
                queued = [
                    _notify(
                        loans[loan_id].card,
                        kind,
                        now=now,
                        dedupe_key=key,
                        loan=loans[loan_id],
                        title=loans[loan_id].title,
                        item=loans[loan_id].copy.item,
                        **context,
                    )
                    for key, loan_id, kind, context in fresh
                ]
        written += sum(1 for notice in queued if notice is not None and notice.pk is not None)
    return written


def send_due_reminders(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Remind readers whose paper loan is due in the library's N opening days (0: the library sends none)."""
    now = now or clock.now()
    rules = fines.Rules()
    loans = _paper_loans().filter(
        due_at__gt=now,
        due_at__lte=now + timedelta(days=REMINDER_HORIZON_DAYS),
        library__due_reminder_opening_days__gt=0,
    )
    candidates = []
    for loan_id, library_id, due_at, _type, _category in loans.order_by("card_id", "id").values_list(*FIELDS):
        rules.load([library_id])
        calendar = rules.calendars[library_id]
        due_day = calendar.local_date(due_at)
        remind_on = calendar.opening_days_before(due_day, rules.libraries[library_id].due_reminder_opening_days)
        if calendar.local_date(now) >= remind_on:
            candidates.append((f"due:{loan_id}:{due_day.isoformat()}", loan_id, "due_reminder", {"due_at": due_at}))
    return _send(candidates, now=now, batch_size=batch_size)


def send_overdue_notices(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Tell readers their paper loan is overdue: on the first overdue opening day, then every N opening days
    (n-th notice: overdue day 1 + (n-1)·N), with the fine so far by the rule."""
    now = now or clock.now()
    rules = fines.Rules()
    candidates = []
    loans = _paper_loans().filter(due_at__lt=now).order_by("card_id", "id").values_list(*FIELDS)
    for loan_id, library_id, due_at, item_type_id, category in loans:
        rules.load([library_id])
        library = rules.libraries[library_id]
        days = len(fines.overdue_days(rules.calendars[library_id], due_at, now))
        if days < 1:
            continue
        number = (days - 1) // max(library.overdue_notice_every_days, 1) + 1
        rule = rules.rule(library_id, item_type_id, category)
        fine = policies.format_money(rule.fine_for(days), library.currency) if rule.fine_per_day else ""
        context = {"due_at": due_at, "days": days, "fine": fine}
        candidates.append((f"overdue:{loan_id}:{number}", loan_id, "overdue_notice", context))
    return _send(candidates, now=now, batch_size=batch_size)
