"""Item types and circulation rules (SPEC P1, P4, P5): staff changes, and the what-if of a rule change.

`what_if` answers, before a rule is saved, how the open paper loans would change: each loan's rule is resolved
with `policies.resolve_rule` under the proposed rule set, and its new due date is `calendar.due(started_at,
loan_days)`. `save_rule` applies the rule to new loans, and re-dates the current ones only when asked."""

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Item, ItemType
from abonement.circulation import policies
from abonement.circulation.models import CirculationRule, Loan
from abonement.core import clock, events
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.calendar import calendar_for
from abonement.libraries.models import Library, Network

RULE_TERMS = ("loan_days", "renewals_allowed", "fine_per_day", "fine_cap", "reservable_online", "reading_room_only")


class ItemTypeCodeTaken(DomainError):
    code = "item_type_code_taken"
    status = 400
    message = _("The network already has an item type with the code %(code)s: give another code.")


class DuplicateRule(DomainError):
    code = "duplicate_rule"
    status = 400
    message = _("The library already has a rule for this item type and reader category: edit that rule instead.")


# ---- item types ----------------------------------------------------------------------------------


@transaction.atomic
def create_item_type(*, actor, network: Network, code: str, name: str) -> ItemType:
    code = code.strip().upper()
    if ItemType.objects.filter(network=network, code__iexact=code).exists():
        raise ItemTypeCodeTaken(code=code)
    try:
        with transaction.atomic():
            item_type = ItemType.objects.create(network=network, code=code, name=name.strip())
    except IntegrityError as exc:
        raise ItemTypeCodeTaken(code=code) from exc
    events.record(Event.Kind.CIRCULATION_RULE_CHANGED, actor=actor, change="item_type_added", code=code)
    return item_type


@transaction.atomic
def rename_item_type(*, actor, item_type: ItemType, name: str) -> ItemType:
    item_type = ItemType.objects.select_for_update().get(pk=item_type.pk)
    item_type.name = name.strip()
    item_type.save(update_fields=["name"])
    events.record(
        Event.Kind.CIRCULATION_RULE_CHANGED, actor=actor, change="item_type_renamed", code=item_type.code, name=name
    )
    return item_type


# ---- what if -------------------------------------------------------------------------------------


@dataclass
class LoanChange:
    loan: Loan
    due_before: datetime
    due_after: datetime
    becomes_overdue: bool
    over_renewal_limit: bool


@dataclass
class WhatIf:
    changes: list[LoanChange] = field(default_factory=list)
    due_date_changes: int = 0
    readers_become_overdue: int = 0
    over_renewal_limit: int = 0


def _governed_libraries(library: Library) -> list[int]:
    """The library and its branches: a branch without a matching rule of its own uses its central library's."""
    return [library.pk, *Library.objects.filter(parent=library).values_list("pk", flat=True)]


def _proposed(rule: CirculationRule | None, terms: dict, library: Library):
    return SimpleNamespace(
        pk=rule.pk if rule else None,
        library_id=library.pk,
        item_type_id=terms["item_type"].pk if terms.get("item_type") else None,
        reader_category=terms.get("reader_category") or "",
        **{name: terms[name] for name in RULE_TERMS},
    )


def what_if(
    *, library: Library, rule: CirculationRule | None, terms: dict | None, now: datetime | None = None, lock=False
) -> WhatIf:
    """How the open paper loans of `library` and its branches change when `rule` (None: a new rule) takes
    `terms` (None: the rule is deleted). Loans whose loan period does not change are left out."""
    now = now or clock.now()
    scope = _governed_libraries(library)
    current = list(CirculationRule.objects.filter(library_id__in=scope))
    proposed = [row for row in current if rule is None or row.pk != rule.pk]
    if terms is not None:
        proposed.append(_proposed(rule, terms, library))
    loans = Loan.objects.filter(ended_at__isnull=True, copy__item__library_id__in=scope).select_related(
        "copy__item__library", "card"
    )
    if lock:
        loans = loans.select_for_update(of=("self",)).order_by("pk")
    loans = list(loans)
    calendars: dict[int, object] = {}
    result = WhatIf()
    overdue_now: set[int] = set()
    newly_overdue: set[int] = set()
    for loan in loans:
        item = loan.copy.item
        keys = {
            "library_id": item.library_id,
            "parent_id": item.library.parent_id,
            "item_type_id": item.item_type_id,
            "category": loan.card.category,
        }
        before = policies.resolve_rule(current, **keys)
        after = policies.resolve_rule(proposed, **keys)
        if loan.due_at < now:
            overdue_now.add(loan.card_id)
        if before == after:
            continue
        over_limit = loan.renewal_count > after.renewals_allowed
        due_after = loan.due_at
        if before.loan_days != after.loan_days:
            if item.library_id not in calendars:
                calendars[item.library_id] = calendar_for(item.library)
            due_after = calendars[item.library_id].due(loan.started_at, after.loan_days)
        if due_after == loan.due_at and not over_limit:
            continue
        becomes_overdue = loan.due_at >= now > due_after
        if becomes_overdue:
            newly_overdue.add(loan.card_id)
        result.changes.append(LoanChange(loan, loan.due_at, due_after, becomes_overdue, over_limit))
    result.due_date_changes = sum(1 for change in result.changes if change.due_after != change.due_before)
    result.over_renewal_limit = sum(1 for change in result.changes if change.over_renewal_limit)
    result.readers_become_overdue = len(newly_overdue - overdue_now)
    return result


# ---- saving --------------------------------------------------------------------------------------


def check_unique(*, library: Library, rule: CirculationRule | None, terms: dict) -> None:
    same = CirculationRule.objects.filter(
        library=library, item_type=terms.get("item_type"), reader_category=terms.get("reader_category") or ""
    )
    if rule is not None:
        same = same.exclude(pk=rule.pk)
    if same.exists():
        raise DuplicateRule()


@transaction.atomic
def save_rule(
    *,
    actor,
    library: Library,
    rule: CirculationRule | None,
    terms: dict,
    redate_loans: bool = False,
    now: datetime | None = None,
) -> tuple[CirculationRule, int]:
    """Create or change a rule of `library`; with `redate_loans`, the current loans it governs take their new due
    date too (Item.due_date follows). Returns the rule and how many loans were re-dated."""
    now = now or clock.now()
    library = Library.objects.select_for_update().get(pk=library.pk)
    if rule is not None:
        rule = CirculationRule.objects.select_for_update().get(pk=rule.pk, library=library)
    check_unique(library=library, rule=rule, terms=terms)
    changes = what_if(library=library, rule=rule, terms=terms, now=now, lock=True) if redate_loans else None
    row = rule or CirculationRule(library=library)
    row.item_type = terms.get("item_type")
    row.reader_category = terms.get("reader_category") or ""
    for name in RULE_TERMS:
        setattr(row, name, terms[name])
    row.full_clean(exclude=["library"], validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise DuplicateRule() from exc
    redated = _redate(changes) if changes else 0
    events.record(
        Event.Kind.CIRCULATION_RULE_CHANGED,
        actor=actor,
        library=library,
        now=now,
        change="rule_added" if rule is None else "rule_changed",
        rule=row.pk,
        item_type=row.item_type.code if row.item_type else "",
        reader_category=row.reader_category,
        terms={name: getattr(row, name) for name in RULE_TERMS},
        loans_redated=redated,
    )
    return row, redated


def _redate(changes: WhatIf) -> int:
    redated = 0
    for change in changes.changes:
        if change.due_after == change.due_before:
            continue
        loan = change.loan
        Loan.objects.filter(pk=loan.pk).update(due_at=change.due_after)
        item = loan.copy.item
        Item.objects.filter(pk=item.pk).update(due_date=calendar_for(item.library).local_date(change.due_after))
        redated += 1
    return redated


@transaction.atomic
def delete_rule(*, actor, library: Library, rule: CirculationRule, redate_loans: bool = False, now=None) -> int:
    """Delete a rule: new loans take the next rule that applies; with `redate_loans` the current ones too.
    Returns how many loans were re-dated."""
    now = now or clock.now()
    library = Library.objects.select_for_update().get(pk=library.pk)
    rule = CirculationRule.objects.select_for_update().get(pk=rule.pk, library=library)
    changes = what_if(library=library, rule=rule, terms=None, now=now, lock=True) if redate_loans else None
    redated = _redate(changes) if changes else 0
    events.record(
        Event.Kind.CIRCULATION_RULE_CHANGED,
        actor=actor,
        library=library,
        now=now,
        change="rule_deleted",
        item_type=rule.item_type.code if rule.item_type else "",
        reader_category=rule.reader_category,
        loans_redated=redated,
    )
    rule.delete()
    return redated


def rules_of(library: Library):
    return CirculationRule.objects.filter(library=library).select_related("item_type")


def item_types_of(network: Network):
    return ItemType.objects.filter(network=network).order_by("name")
