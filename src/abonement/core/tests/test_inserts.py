from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from abonement.circulation.models import Copy, Loan
from abonement.core import events, inserts
from abonement.core.models import Event

NOW = datetime(2026, 11, 24, 21, 59, 30, 123456, tzinfo=UTC)


def stored(model, pk) -> dict:
    """The row as the database holds it, read back through the ORM."""
    row = model.objects.filter(pk=pk).values().get()
    row.pop("id")
    return row


@pytest.mark.django_db
def test_a_row_inserted_is_stored_exactly_as_save_stores_it(card_factory, title_factory):
    card = card_factory()
    title = title_factory()
    fields = dict(
        kind=Event.Kind.ISSUED,
        at=NOW,
        actor=card.user,
        actor_label="Ēriks Ļaudis",
        library=card.library,
        subject_user=card.user,
        ip="2001:db8::1",
        card=card,
        title=title,
        reason="причина",
        details={"cost": 3, "названия": ["Ёлка", "Ķēniņš"]},
    )
    inserted = inserts.insert(Event(**fields))
    saved = Event(**fields)
    saved.save(force_insert=True)
    assert inserted.pk and inserted.pk != saved.pk
    assert not inserted._state.adding and inserted._state.db == connection.alias
    assert stored(Event, inserted.pk) == stored(Event, saved.pk)
    # a query by time and by a JSON key finds it, as it finds what save() wrote
    assert set(Event.objects.filter(at=NOW, details__cost=3).values_list("pk", flat=True)) == {inserted.pk, saved.pk}
    # defaults apply as in save(): details={} and an empty reason
    bare = events.record(Event.Kind.LOGIN, now=NOW)
    assert stored(Event, bare.pk)["details"] == {} and stored(Event, bare.pk)["reason"] == ""


@pytest.mark.django_db
def test_the_database_constraints_still_guard_an_inserted_row(card_factory, title_factory):
    card = card_factory()
    title = title_factory()
    copy = Copy.objects.create(library=card.library, title=title, acquired_at=NOW)
    loan = dict(copy=copy, card=card, library=card.library, title=title, started_at=NOW, due_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        inserts.insert(Loan(**loan))  # loan_due_after_start
    assert not Loan.objects.exists()
    with pytest.raises(AssertionError):
        inserts.insert(Loan.objects.create(**{**loan, "due_at": NOW.replace(year=2027)}))  # not a new row
