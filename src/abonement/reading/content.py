"""Signed, expiring content URLs of a loan's book file, served from private storage with HTTP Range.

The URL's token is the loan id signed with a timestamp (django.core.signing): it stops working after
`LINK_SECONDS`, and every request checks the loan again, so a saved link fails with 403 the minute the loan
ends, even when it is still fresh. The signature is the credential: reading apps (OPDS) fetch it without our
session cookie.
"""

import re
from datetime import datetime
from pathlib import PurePosixPath

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from abonement.circulation.models import Loan
from abonement.core import clock
from abonement.core.errors import DomainError

SALT = "abonement.reading.content"
LINK_SECONDS = 6 * 3600
CHUNK_BYTES = 256 * 1024
CONTENT_TYPES = {
    ".epub": "application/epub+zip",
    ".pdf": "application/pdf",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".m4b": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
}
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class LinkInvalid(DomainError):
    code = "content_link_invalid"
    status = 403
    message = _("This link to the book is not valid or has expired. Open the book again from My books.")


class LoanEnded(DomainError):
    code = "loan_ended"
    status = 403
    message = _("The loan of this book has ended: take it again to read it.")


class RangeNotSatisfiable(DomainError):
    code = "range_not_satisfiable"
    status = 416
    message = _("The requested byte range is outside the file.")


def signed_url(*, loan: Loan) -> str:
    """The content URL of a loan's file, valid for LINK_SECONDS and only while the loan is open."""
    token = signing.TimestampSigner(salt=SALT).sign(str(loan.pk))
    return reverse("reading:content", kwargs={"token": token})


def loan_for_token(token: str, *, now: datetime | None = None) -> Loan:
    """The open loan a content token names; LinkInvalid (bad or old signature) or LoanEnded otherwise."""
    now = now or clock.now()
    try:
        loan_id = int(signing.TimestampSigner(salt=SALT).unsign(token, max_age=LINK_SECONDS))
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid from exc
    loan = Loan.objects.select_related("title").filter(pk=loan_id).first()
    if loan is None:
        raise LinkInvalid
    if loan.ended_at is not None or loan.due_at <= now:
        raise LoanEnded
    return loan


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `Range: bytes=…` header, None for the whole file; RangeNotSatisfiable
    for a range outside the file. A malformed or multi-range header is ignored (the whole file), as RFC 9110
    allows."""
    if not header:
        return None
    match = RANGE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable
    return start, end


def stream(fileobj, start: int, end: int):
    """The bytes start..end of an open file, CHUNK_BYTES at a time; closes the file when done."""
    try:
        fileobj.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = fileobj.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        fileobj.close()
