"""Building paper loans for tests: an item lent through its Copy, as the desk check-out writes it."""

import itertools
from datetime import datetime, timedelta

from abonement.catalog.models import Item
from abonement.circulation.models import CirculationRule, Copy, Loan

_barcodes = itertools.count(100000)


def paper_loan(*, card, title, due_at: datetime, library=None, started_at: datetime | None = None, item_type=None):
    library = library or card.library
    item = Item.objects.create(
        title=title,
        library=library,
        barcode=f"B{next(_barcodes)}",
        status=Item.Status.ON_LOAN,
        due_date=due_at.date(),
        item_type=item_type,
    )
    copy = Copy.objects.create(library=library, title=title, item=item, acquired_at=due_at - timedelta(days=60))
    return Loan.objects.create(
        copy=copy,
        card=card,
        library=library,
        title=title,
        started_at=started_at or due_at - timedelta(days=30),
        due_at=due_at,
    )


def general_rule(library, **terms) -> CirculationRule:
    return CirculationRule.objects.create(library=library, **terms)
