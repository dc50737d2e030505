"""Writing Event rows. Call inside the service's transaction so the record and the change land together."""

import logging

from abonement.core import clock, inserts
from abonement.core.models import Event

security_log = logging.getLogger("abonement.security")

# The actor shown for what the platform does by itself (loan expiry, the queue).
SYSTEM = "System"

SECURITY_KINDS = {
    Event.Kind.LOGIN,
    Event.Kind.LOGIN_FAILED,
    Event.Kind.LOGIN_THROTTLED,
    Event.Kind.LOGOUT,
    Event.Kind.SESSION_EVICTED,
    Event.Kind.PASSWORD_CHANGED,
    Event.Kind.PASSWORD_RESET_REQUESTED,
    Event.Kind.PASSWORD_RESET_DONE,
    Event.Kind.LIBRARIAN_PASSWORD_RESET,
    Event.Kind.READER_PASSWORD_RESET,
    Event.Kind.READER_BLOCKED,
    Event.Kind.ACCOUNTS_MERGED,
    Event.Kind.BACKUP_LOGIN_ADDED,
}


def build(
    kind, *, actor=None, library=None, subject_user=None, ip=None, now=None, card=None, title=None, reason="", **details
) -> Event:
    """An unsaved Event, for services that write many at once with `bulk_create` (never a security event)."""
    return Event(
        kind=kind,
        at=now or clock.now(),
        actor=actor,
        actor_label=SYSTEM if actor is None else (actor.get_full_name() or actor.get_username()),
        library=library,
        subject_user=subject_user,
        ip=ip,
        card=card,
        title=title,
        reason=reason,
        details=details,
    )


def record(
    kind, *, actor=None, library=None, subject_user=None, ip=None, now=None, card=None, title=None, reason="", **details
) -> Event:
    event = build(
        kind,
        actor=actor,
        library=library,
        subject_user=subject_user,
        ip=ip,
        now=now,
        card=card,
        title=title,
        reason=reason,
        **details,
    )
    inserts.insert(event)
    if kind in SECURITY_KINDS:
        security_log.info("%s actor=%s subject=%s ip=%s %s", kind, event.actor_label, subject_user, ip, details)
    return event


def record_for_card(kind, *, card, actor, now=None, title=None, reason="", **details) -> Event:
    """An event about a reader's card: in the card's library, about the card's person. `actor` None: the System."""
    return record(
        kind,
        actor=actor,
        library=card.library,
        subject_user=card.user,
        card=card,
        title=title,
        now=now,
        reason=reason,
        **details,
    )
