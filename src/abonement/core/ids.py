"""Record ids from request data: ASCII digits of a number the database's integer holds, nothing else.

`str.isdigit()` is true for "²" and "١" (which int() refuses or reads) and int() takes " 1" and "1_0"; a
23-digit number overflows SQLite's and PostgreSQL's 64-bit integers. Every id read from a form or a query
string goes through here, so hostile input is a 400 or a 404, never a 500.
"""

from django.utils.translation import gettext_lazy as _

from abonement.core.errors import DomainError

MAX_ID = 2**63 - 1  # the largest BigAutoField value on SQLite and PostgreSQL
MAX_ID_DIGITS = len(str(MAX_ID))
MAX_IDS = 1000  # the most ids one form may send (a page of ticks, a collection's books)


class InvalidId(DomainError):
    code = "invalid_id"
    status = 400
    message = _("The field “%(field)s” takes record numbers: digits 0–9 only, at most %(count)d of them.")

    def __init__(self, *, field: str):
        super().__init__(field=field, count=MAX_IDS)


def parse_id(value) -> int | None:
    """The id `value` names, or None when it is not a positive number of ASCII digits that fits the database."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values, *, limit: int = MAX_IDS) -> list[int] | None:
    """The distinct ids of `values`, sorted; None when one is not an id or there are more than `limit`."""
    values = list(values)
    if len(values) > limit:
        return None
    ids = [parse_id(value) for value in values]
    return None if None in ids else sorted(set(ids))


def ids_from(data, field: str, *, limit: int = MAX_IDS) -> list[int]:
    """The ids a form sent in `field` (none sent: []); raises InvalidId, a 400 naming the field, on anything else."""
    ids = parse_ids(data.getlist(field), limit=limit)
    if ids is None:
        raise InvalidId(field=field)
    return ids


def id_from(data, field: str) -> int | None:
    """The one id a form sent in `field` (none or empty: None); raises InvalidId on anything else."""
    value = data.get(field, "")
    if value == "":
        return None
    number = parse_id(value)
    if number is None:
        raise InvalidId(field=field)
    return number
