"""Rows the desk's locking reads need beside the row they lock (SPEC P7): the item's title and library, the
card of a loan or hold with its library and person. Hand-written statements (decision 0010): a desk scan runs
them every time, and building the ORM's joined queries cost more than running them. A library the caller has
loaded already (the desk's, the reader's) is taken as it is instead of read again."""

from abonement.accounts.models import User
from abonement.catalog.models import Title
from abonement.core.sqlvalues import first
from abonement.libraries.models import Library
from abonement.readers.models import Card


def library(pk: int, known=()) -> Library:
    for candidate in known:
        if candidate is not None and candidate.pk == pk:
            return candidate
    return first(Library, f"SELECT * FROM {Library._meta.db_table} WHERE id = %s", [pk])  # noqa: S608


def title(pk: int) -> Title:
    return first(Title, f"SELECT * FROM {Title._meta.db_table} WHERE id = %s", [pk])  # noqa: S608


def card(pk: int, known=()) -> Card:
    """The card with its library and its person (events name the person, notices go to them)."""
    found = first(Card, f"SELECT * FROM {Card._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
    found.library = library(found.library_id, known)
    found.user = first(User, f"SELECT * FROM {User._meta.db_table} WHERE id = %s", [found.user_id])  # noqa: S608
    return found
