"""Throttling sign-in failures and password-reset e-mails, per account and per IP.

The per-account limit stops guessing one reader's password from many addresses; the per-IP limit is
generous because a whole school signs in from one address and a few typos must not lock a class out.
An account is counted by its id, whatever reached it (card number, e-mail, any spelling of the phone);
what names no account counts against the IP only.

Counters live in the shared cache (the database cache by default) so every web process sees them. When
they cannot be read or written (SQLite locked by a long writer), the attempt is refused with ServiceBusy
instead of being let through uncounted: the cache is the database, so the sign-in could not have been
written either, and a guesser gains nothing by keeping the database busy.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from abonement.accounts.models import User
from abonement.core.errors import ServiceBusy

log = logging.getLogger("abonement.security")

LOGIN = "login"  # failed sign-ins, settings.LOGIN_THROTTLE
RESET = "reset"  # password-reset requests, settings.PASSWORD_RESET_THROTTLE

_ACCOUNT = "account"
_IP = "ip"


def _conf(scope: str) -> dict:
    return settings.LOGIN_THROTTLE if scope == LOGIN else settings.PASSWORD_RESET_THROTTLE


def window_minutes(scope: str) -> int:
    return max(1, _conf(scope)["window_seconds"] // 60)


def _keys(scope: str, *, user: User | None, ip: str | None) -> dict[str, str]:
    keys = {}
    if user is not None:
        keys[_ACCOUNT] = f"throttle:{scope}:account:{user.pk}"
    if ip:
        keys[_IP] = f"throttle:{scope}:ip:" + hashlib.sha256(ip.encode()).hexdigest()[:32]
    return keys


def _cache_unavailable(exc: DatabaseError, action: str) -> ServiceBusy:
    log.warning("throttle counters cannot be %s: %s", action, exc)
    return ServiceBusy()


def exceeded(scope: str, *, user: User | None, ip: str | None) -> bool:
    """Whether the account's counter (when one was found) or the IP's has reached its limit."""
    conf = _conf(scope)
    limits = {_ACCOUNT: conf["per_account"], _IP: conf["per_ip"]}
    keys = _keys(scope, user=user, ip=ip)
    try:
        counts = cache.get_many(list(keys.values()))
    except DatabaseError as exc:
        raise _cache_unavailable(exc, "read") from exc
    return any((counts.get(key) or 0) >= limits[kind] for kind, key in keys.items())


def _bump(key: str, window: int) -> None:
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


def record(scope: str, *, user: User | None = None, ip: str | None = None) -> None:
    """Count one attempt against the account (when one was found) and the IP."""
    window = _conf(scope)["window_seconds"]
    try:
        for key in _keys(scope, user=user, ip=ip).values():
            _bump(key, window)
    except DatabaseError as exc:
        raise _cache_unavailable(exc, "written") from exc


def clear_account(scope: str, user: User) -> None:
    try:
        cache.delete(_keys(scope, user=user, ip=None)[_ACCOUNT])
    except DatabaseError as exc:
        raise _cache_unavailable(exc, "written") from exc
