"""One-time codes sent to a person by SMS or e-mail: a new backup login (readers) and a password reset.

Six digits, kept only as a keyed hash, good for CODE_TTL and CODE_ATTEMPTS wrong tries; a code that opened
its row is deleted by the caller, so it works once.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abonement.core.errors import DomainError

CODE_TTL = timedelta(minutes=15)
CODE_ATTEMPTS = 5


class WrongCode(DomainError):
    code = "wrong_code"
    message = _("The code is wrong or too old. Ask for a new one.")


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{code}".encode()).hexdigest()


def check(pending, code: str, *, now: datetime) -> bool:
    """Whether `code` opens `pending` (a locked OneTimeCode row, or None). A wrong code for a live row uses up
    one try, saved at once: the caller must let that save commit even though it then refuses."""
    if pending is None or pending.expires_at < now or pending.attempts >= CODE_ATTEMPTS:
        return False
    if secrets.compare_digest(pending.code_hash, code_hash(code.strip())):
        return True
    pending.attempts += 1
    pending.save(update_fields=["attempts"])
    return False
