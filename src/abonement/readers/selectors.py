"""Reads of reader cards used by more than one page."""

from django.db.models import Q, QuerySet

from abonement.readers.models import Card


def search_cards(cards: QuerySet[Card], query: str) -> QuerySet[Card]:
    """Cards whose name contains `query`, whose number starts with it, or that are in a group whose name
    contains it: what the readers list and a group's "Add readers" box both promise ("Name, card number or
    group")."""
    query = query.strip()
    if not query:
        return cards
    return cards.filter(
        Q(full_name__icontains=query) | Q(number__startswith=query) | Q(groups__name__icontains=query)
    ).distinct()
