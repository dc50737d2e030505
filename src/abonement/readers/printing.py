"""Printable things for readers: the card's barcode (Code 128, what library scanners read), the credentials
slip's one showing of a new password and the passwords of a batch (a bulk registration, a group's new passwords)
kept for a few minutes of downloads and printing."""

import base64
import hashlib
import hmac
import io
import json
import re
import secrets
from datetime import datetime

import barcode
from barcode.writer import SVGWriter
from django.conf import settings
from django.core import signing
from django.urls import reverse

from abonement.core import clock

SLIP_SESSION_KEY = "reader_slip"
SLIP_COOKIE = "reader_slip"
SLIP_SECONDS = 10 * 60  # from "Save" to the slip is one redirect; a slip left unopened this long is gone
_SLIP_SALT = "abonement.readers.slip"

BATCH_SESSION_KEY = "readers_batch"
BATCH_COOKIE = "readers_batch"
BATCH_SECONDS = 15 * 60  # the downloads and prints right after a registration; then only new passwords help
_BATCH_SALT = "abonement.readers.batch"


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


# ---- a batch of passwords -----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _stream_xor(key: bytes, data: bytes) -> bytes:
    """`data` XOR a keystream drawn from the key (SHAKE-256 as a stream cipher; the key is random and used once)."""
    stream = hashlib.shake_256(b"abonement.readers.batch.stream:" + key).digest(len(data))
    return (int.from_bytes(data) ^ int.from_bytes(stream)).to_bytes(len(data))


def _tag(key: bytes, sealed: bytes) -> bytes:
    return hmac.new(hashlib.sha256(b"abonement.readers.batch.tag:" + key).digest(), sealed, hashlib.sha256).digest()


def keep_batch(request, response, *, scope: str, path: str, secret: dict, public: dict | None = None) -> None:
    """Keep a batch's passwords (`secret`, JSON-able) for BATCH_SECONDS of downloads and printing, readable only
    by this session in this browser (decision 0014).

    A batch is too big for a cookie, so the halves of the credentials slip's pad (decision 0012) are turned round:
    the session keeps the batch encrypted with a random key used once, and the browser keeps the key in a signed
    cookie that lives BATCH_SECONDS, is HttpOnly and SameSite=Strict and is sent to `path` only. Neither half
    tells anything alone; signing out drops the session's half. `public` (what may be shown without passwords:
    card ids, the file's name) sits beside it in clear. A new batch replaces the session's previous one.
    """
    key = secrets.token_bytes(32)
    sealed = _stream_xor(key, json.dumps(secret).encode())
    request.session[BATCH_SESSION_KEY] = {
        "scope": scope,
        "at": clock.now().isoformat(),
        "sealed": _b64(sealed),
        "tag": _b64(_tag(key, sealed)),
        "public": public or {},
    }
    response.set_cookie(
        BATCH_COOKIE,
        signing.dumps({"scope": scope, "key": _b64(key)}, salt=_BATCH_SALT),
        max_age=BATCH_SECONDS,
        path=path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def batch_public(request, *, scope: str) -> dict | None:
    """The clear part of this session's batch of `scope` while it is fresh; an old batch is dropped here."""
    kept = request.session.get(BATCH_SESSION_KEY)
    if not kept or kept.get("scope") != scope:
        return None
    if (clock.now() - datetime.fromisoformat(kept["at"])).total_seconds() > BATCH_SECONDS:
        del request.session[BATCH_SESSION_KEY]  # nothing of it lingers in the session store
        return None
    return kept["public"]


def open_batch(request, *, scope: str) -> dict | None:
    """The batch's passwords, while both halves are here and fresh: None after BATCH_SECONDS, after signing out,
    in another session or browser, or with a forged or foreign cookie."""
    if batch_public(request, scope=scope) is None:
        return None
    kept = request.session[BATCH_SESSION_KEY]
    try:
        cookie = signing.loads(request.COOKIES.get(BATCH_COOKIE, ""), salt=_BATCH_SALT, max_age=BATCH_SECONDS)
        if cookie["scope"] != scope:
            return None
        key, sealed = base64.b64decode(cookie["key"]), base64.b64decode(kept["sealed"])
        if not hmac.compare_digest(_tag(key, sealed), base64.b64decode(kept["tag"])):
            return None
        return json.loads(_stream_xor(key, sealed))
    except (signing.BadSignature, KeyError, TypeError, ValueError):  # expired, forged or not ours
        return None
