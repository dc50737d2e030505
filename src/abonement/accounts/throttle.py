"""Login throttling per account and per IP.

The per-account limit stops guessing one reader's password from many addresses; the per-IP limit is
generous because a whole school signs in from one address and a few typos must not lock a class out.
Counters live in the shared cache (the database cache by default) so every web process sees them.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from abonement.core.errors import LoginThrottled


def _key(kind: str, value: str) -> str:
    return f"login-fail:{kind}:" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _limits():
    conf = settings.LOGIN_THROTTLE
    return conf["window_seconds"], conf["per_account"], conf["per_ip"]


def check(*, identifier: str, ip: str | None) -> None:
    window, per_account, per_ip = _limits()
    minutes = max(1, window // 60)
    if identifier and (cache.get(_key("account", identifier)) or 0) >= per_account:
        raise LoginThrottled(minutes=minutes)
    if ip and (cache.get(_key("ip", ip)) or 0) >= per_ip:
        raise LoginThrottled(minutes=minutes)


def _bump(key: str, window: int) -> None:
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


def record_failure(*, identifier: str, ip: str | None) -> None:
    window, _, _ = _limits()
    if identifier:
        _bump(_key("account", identifier), window)
    if ip:
        _bump(_key("ip", ip), window)


def clear_account(identifier: str) -> None:
    cache.delete(_key("account", identifier))
