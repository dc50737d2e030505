""" "Read on my phone" (SPEC L8): a one-time link, sent by e-mail or SMS and shown as a QR code, that signs the
reader in on another device and opens the book. Valid LINK_MINUTES, once; only its SHA-256 is stored, so
the database never holds a usable link. Using it again (or late) asks for the password.
"""

import hashlib
import io
import secrets
from datetime import datetime, timedelta

import segno
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from abonement.accounts import services as accounts
from abonement.catalog.models import Title
from abonement.core import clock
from abonement.core.errors import DomainError, busy_when_locked
from abonement.notifications import services as notices
from abonement.notifications.models import Notice
from abonement.readers.models import Card
from abonement.reading.models import PhoneLink

LINK_MINUTES = 15


class NoContact(DomainError):
    code = "no_contact"
    message = _("Add an e-mail or a phone number to your profile to send yourself the link.")


class PhoneLinkSpent(DomainError):
    code = "phone_link_spent"
    status = 403
    message = _("This link was already used or has expired. Sign in with your password.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("reading:phone_open", kwargs={"token": token})


@busy_when_locked
@transaction.atomic
def send_link(*, user, title: Title, now: datetime | None = None) -> str:
    """Make a one-time link to `title` for `user` and queue it to their e-mail (or SMS); return the link."""
    now = now or clock.now()
    if not user.email and not user.phone:
        raise NoContact
    token = secrets.token_urlsafe(24)
    PhoneLink.objects.create(
        user=user, title=title, token_hash=_digest(token), expires_at=now + timedelta(minutes=LINK_MINUTES)
    )
    url = link_url(token)
    card = Card.objects.filter(user=user).select_related("library").order_by("id").first()
    context = {"title": title.title, "url": url, "minutes": LINK_MINUTES}
    common = {"user": user, "library": card.library if card else None, "language": user.language, "now": now}
    if user.email:
        notices.queue(kind="read_on_phone", to=user.email, context=context, **common)
    else:
        notices.queue(kind="read_on_phone_sms", to=user.phone, channel=Notice.Channel.SMS, context=context, **common)
    return url


@busy_when_locked
@transaction.atomic
def open_link(request, *, token: str, now: datetime | None = None) -> PhoneLink:
    """Spend the link and sign its reader in on this device; PhoneLinkSpent when used, late or unknown."""
    now = now or clock.now()
    link = PhoneLink.objects.select_for_update().filter(token_hash=_digest(token)).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise PhoneLinkSpent
    link.used_at = now
    link.save(update_fields=["used_at"])
    accounts.start_session(request, user=link.user, now=now)
    return link


def qr_png(url: str) -> bytes:
    """The link as a QR code PNG (segno, UTF-8 marked with ECI)."""
    buffer = io.BytesIO()
    segno.make(url, eci=True, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()
