"""Printable things for readers: the card's barcode (Code 128, what library scanners read) and the credentials
slip's one showing of a new password."""

import base64
import io
import re
import secrets

import barcode
from barcode.writer import SVGWriter
from django.conf import settings
from django.core import signing
from django.urls import reverse

SLIP_SESSION_KEY = "reader_slip"
SLIP_COOKIE = "reader_slip"
SLIP_SECONDS = 10 * 60  # from "Save" to the slip is one redirect; a slip left unopened this long is gone
_SLIP_SALT = "abonement.readers.slip"


def card_barcode_svg(number: str) -> str:
    """An inline SVG of the card number as Code 128, without the XML prologue so it embeds in HTML."""
    buffer = io.BytesIO()
    barcode.get("code128", number, writer=SVGWriter()).write(
        buffer, options={"write_text": False, "module_height": 14, "quiet_zone": 4}
    )
    svg = buffer.getvalue().decode()
    # The Content-Security-Policy blocks style attributes; presentation attributes paint the same.
    svg = re.sub(r'style="fill:(\w+);?"', r'fill="\1"', svg)
    return svg[svg.index("<svg") :]


def _slip_path(card) -> str:
    return reverse("staff:reader_slip", kwargs={"card_id": card.pk})


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def keep_for_slip(request, response, *, card, password: str) -> None:
    """Keep a new password for the one showing of the card's slip, stored nowhere in readable form.

    The password is split in two halves that tell nothing alone: the session (the server's store) keeps a
    random one-time pad, and the librarian's browser gets the password XOR the pad in a signed cookie that
    lives a few minutes and is sent to the slip's URL only. A URL token would put it in logs and history, and
    rendering the slip as the POST's answer would re-POST (a second reader, another reset) on a reload.
    """
    secret = password.encode()
    pad = secrets.token_bytes(len(secret))
    request.session[SLIP_SESSION_KEY] = {"card_id": card.pk, "pad": base64.b64encode(pad).decode("ascii")}
    sealed = base64.b64encode(_xor(secret, pad)).decode("ascii")
    response.set_cookie(
        SLIP_COOKIE,
        signing.dumps({"card_id": card.pk, "sealed": sealed}, salt=_SLIP_SALT),
        max_age=SLIP_SECONDS,
        path=_slip_path(card),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def take_for_slip(request, *, card) -> str | None:
    """The password kept for this card's slip, once: None when it was shown already, has expired, was kept in
    another session or for another card. The caller answers with `forget_slip` so the cookie goes too."""
    kept = request.session.get(SLIP_SESSION_KEY)
    if not kept or kept.get("card_id") != card.pk:
        return None
    del request.session[SLIP_SESSION_KEY]
    try:
        sealed = signing.loads(request.COOKIES.get(SLIP_COOKIE, ""), salt=_SLIP_SALT, max_age=SLIP_SECONDS)
        pad = base64.b64decode(kept["pad"])
        secret = base64.b64decode(sealed["sealed"])
        if sealed["card_id"] != card.pk or len(secret) != len(pad):
            return None
        return _xor(secret, pad).decode()
    except (signing.BadSignature, KeyError, TypeError, ValueError):  # expired, forged or not ours
        return None


def forget_slip(response, *, card) -> None:
    response.delete_cookie(SLIP_COOKIE, path=_slip_path(card), samesite="Strict")
