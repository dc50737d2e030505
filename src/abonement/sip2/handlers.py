"""One function per SIP2 request, each calling the desk's own services with the kiosk's user as the actor.

Scoping (decision 0016): a kiosk sees the items of its library's network, as the desk does, and the readers of
its library system (the central library and its branches). Every message after login reloads the account, so a
deactivated kiosk or a withdrawn permission takes effect on the next message. `DomainError`s become SIP status
fields and an AF screen message in the reader's language in one place, `_refused`.
"""

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abonement.accounts import throttle
from abonement.catalog.models import Item
from abonement.circulation import desk, fines, policies, renewals
from abonement.circulation.models import Hold, Loan, Renewal
from abonement.core import clock, events
from abonement.core.errors import DomainError, LoginThrottled, ServiceBusy
from abonement.core.models import Event
from abonement.libraries.calendar import calendar_for
from abonement.readers.models import Card
from abonement.sip2 import protocol
from abonement.sip2.models import SipAccount
from abonement.sip2.protocol import Message, flag, sip_date

# Which of the 16 messages of spec 2.00 this server answers, in the order of the BX field:
# 23 11 09 01 99 97 93 63 35 37 17 19 25 15 29 65
SUPPORTED = "YYYNYYYYYYYNNNYY"
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every message


class UnknownPatron(DomainError):
    code = "sip_unknown_patron"
    status = 404
    message = _("There is no reader card %(number)s in this library.")


class WrongPatronPassword(DomainError):
    code = "sip_wrong_patron_password"
    status = 403
    message = _("The reader's password is wrong.")


class KioskNotAllowed(DomainError):
    code = "sip_kiosk_not_allowed"
    status = 403
    message = _("This kiosk may not %(action)s: ask at the desk.")


class NoSuchLoan(DomainError):
    code = "sip_no_such_loan"
    status = 404
    message = _("Item %(barcode)s is not on loan to this reader.")


class RenewalPending(DomainError):
    code = "sip_renewal_pending"
    status = 409
    message = _("Renewal requested: the librarian will decide.")


class WrongCurrency(DomainError):
    code = "sip_wrong_currency"
    status = 400
    message = _("Fines are paid in %(currency)s here.")


class KioskReaderBlocked(DomainError):
    code = "sip_reader_blocked"
    status = 409
    message = _("Not checked out: %(reasons)s. Please ask at the desk.")


class NotLoggedIn(Exception):
    """A request before a successful 93 login, or after the account was deactivated: the connection closes."""


@dataclass
class Session:
    """What one kiosk connection remembers between its messages."""

    ip: str | None = None
    account_id: int | None = None
    # (card id, keyed hash of the AD the reader typed): a checked password is not re-hashed with PBKDF2 on every
    # message of the same reader; the key is random per connection, so nothing useful is kept in memory.
    verified: set = field(default_factory=set)
    secret: bytes = field(default_factory=lambda: os.urandom(16))
    last_response: bytes | None = None


@dataclass
class Context:
    account: SipAccount
    message: Message
    now: datetime
    language: str

    @property
    def institution(self) -> str:
        return self.account.institution_id


def _account(session: Session, now: datetime) -> SipAccount:
    account = (
        SipAccount.objects.select_related("library__network", "library__parent", "user")
        .filter(pk=session.account_id, active=True)
        .first()
    )
    if account is None:
        raise NotLoggedIn()
    if account.last_seen_at is None or account.last_seen_at < now - SEEN_EVERY:
        SipAccount.objects.filter(pk=account.pk).update(last_seen_at=now)
    return account


def _card(ctx: Context) -> Card | None:
    number = ctx.message.get("AA").strip()
    if not number:
        return None
    root = ctx.account.library.parent_id or ctx.account.library_id
    return (
        Card.objects.select_related("library", "user")
        .filter(number=number)
        .filter(Q(library_id=root) | Q(library__parent_id=root))
        .first()
    )


def _password_ok(session: Session, card: Card, password: str) -> bool:
    key = (card.pk, hmac.new(session.secret, password.encode(), hashlib.sha256).hexdigest())
    if key in session.verified:
        return True
    if password and card.user.check_password(password):
        session.verified.add(key)
        return True
    return False


def _patron(session: Session, ctx: Context) -> Card:
    """The reader the message names, checked: one of the kiosk's library system, and the password when the
    account requires it."""
    card = _card(ctx)
    if card is None:
        raise UnknownPatron(number=ctx.message.get("AA").strip())
    ctx.language = card.user.language or ctx.language
    translation.activate(ctx.language)  # the services' messages, in the reader's language (undone in `_answer`)
    if ctx.account.require_patron_password and not _password_ok(session, card, ctx.message.get("AD")):
        raise WrongPatronPassword()
    return card


def _allowed(ctx: Context, permission: str, action) -> None:
    if not getattr(ctx.account, permission):
        raise KioskNotAllowed(action=action)


def _item(ctx: Context) -> Item | None:
    return (
        Item.objects.select_related("library", "title", "in_transit_to")
        .filter(barcode=ctx.message.get("AB").strip(), library__network_id=ctx.account.library.network_id)
        .first()
    )


def _due(loan: Loan) -> str:
    return sip_date(loan.due_at.astimezone(calendar_for(loan.library).time_zone) if loan.due_at else None)


def _screen(ctx: Context, error: DomainError) -> str:
    with translation.override(ctx.language):
        return str(error)


# --- messages ------------------------------------------------------------------------------------------------


def sc_status(session: Session, ctx: Context) -> tuple[str, str, list]:
    account = ctx.account
    fixed = (
        "Y"
        + flag(account.may_checkin)
        + flag(account.may_checkout)
        + flag(account.may_renew)
        + "NN"
        + "010"  # timeout period, tenths of a second
        + "003"  # retries allowed
        + sip_date(ctx.now)
        + "2.00"
    )
    return "98", fixed, [("AO", ctx.institution), ("AM", account.library.name), ("BX", SUPPORTED)]


def _patron_status(card: Card, blocks: list[str]) -> str:
    blocked = card.status == Card.Status.BLOCKED
    status = [" "] * 14
    status[0] = "Y" if blocks else " "  # charge privileges denied
    status[1] = "Y" if blocks else " "  # renewal privileges denied
    status[3] = "Y" if blocked else " "  # hold privileges denied
    status[10] = "Y" if card.fines_owed and card.fines_owed >= card.library.debtor_fine_threshold > 0 else " "
    return "".join(status)


def _money(card: Card) -> str:
    return f"{card.fines_owed / 100:.2f}"


def _patron_fields(ctx: Context, card: Card, password_ok: bool) -> list:
    return [
        ("AO", ctx.institution),
        ("AA", card.number),
        ("AE", card.full_name or card.number),
        ("BL", "Y"),
        ("CQ", flag(password_ok)),
        ("BH", card.library.currency),
        ("BV", _money(card)),
    ]


def _unknown_patron_response(command: str, ctx: Context, extra_fixed: str = "") -> tuple[str, str, list]:
    fixed = "Y" * 4 + " " * 10 + "000" + sip_date(ctx.now) + extra_fixed
    number = ctx.message.get("AA").strip()
    with translation.override(ctx.language):
        screen = str(UnknownPatron(number=number)) if number else gettext("Scan your reader card.")
    return command, fixed, [("AO", ctx.institution), ("AA", number), ("AE", ""), ("BL", "N"), ("AF", screen)]


def _checked_patron(session: Session, ctx: Context) -> tuple[Card | None, bool]:
    """The card and whether its password was verified; None when the message names no reader of this library."""
    card = _card(ctx)
    if card is None:
        return None, False
    ctx.language = card.user.language or ctx.language
    translation.activate(ctx.language)
    password = ctx.message.get("AD")
    password_ok = _password_ok(session, card, password) if password else False
    return card, password_ok


def patron_status(session: Session, ctx: Context) -> tuple[str, str, list]:
    card, password_ok = _checked_patron(session, ctx)
    if card is None:
        return _unknown_patron_response("24", ctx)
    if ctx.account.require_patron_password and not password_ok:
        return _password_refused("24", ctx, card)
    with transaction.atomic():
        blocks = desk.blocks(card, now=ctx.now)
    fixed = _patron_status(card, blocks) + "000" + sip_date(ctx.now)
    fields = _patron_fields(ctx, card, password_ok)
    if blocks:
        fields.append(("AF", "; ".join(blocks)))
    return "24", fixed, fields


def _password_refused(command: str, ctx: Context, card: Card, extra_fixed: str = "") -> tuple[str, str, list]:
    """Nothing about the reader but that the card exists and the password is wrong."""
    fixed = "Y" * 4 + " " * 10 + "000" + sip_date(ctx.now) + extra_fixed
    return (
        command,
        fixed,
        [
            ("AO", ctx.institution),
            ("AA", card.number),
            ("AE", ""),
            ("BL", "Y"),
            ("CQ", "N"),
            ("AF", _screen(ctx, WrongPatronPassword())),
        ],
    )


def _range(message: Message) -> slice:
    """BP/BQ: the first and last item wanted, counted from 1 (spec 2.00); missing or bad: the first five."""
    try:
        start = max(1, int(message.get("BP") or 1))
        end = max(start, int(message.get("BQ") or start + 4))
    except ValueError:
        start, end = 1, 5
    return slice(start - 1, min(end, start + 99))


def patron_information(session: Session, ctx: Context) -> tuple[str, str, list]:
    card, password_ok = _checked_patron(session, ctx)
    if card is None:
        return _unknown_patron_response("64", ctx, "0000" * 6)
    if ctx.account.require_patron_password and not password_ok:
        return _password_refused("64", ctx, card, "0000" * 6)
    loans = list(
        Loan.objects.filter(card=card, ended_at__isnull=True, copy__item__isnull=False)
        .select_related("copy__item")
        .order_by("due_at", "id")
    )
    overdue = [loan for loan in loans if loan.due_at < ctx.now]
    holds = list(
        Hold.objects.filter(card=card, status__in=[Hold.Status.WAITING, Hold.Status.READY])
        .select_related("title", "item")
        .order_by("created_at", "id")
    )
    available = [hold for hold in holds if hold.status == Hold.Status.READY]
    unavailable = [hold for hold in holds if hold.status == Hold.Status.WAITING]
    with transaction.atomic():
        blocks = desk.blocks(card, now=ctx.now)
    rule = policies.lending_rule(library=card.library, card=card)
    fines_count = 1 if card.fines_owed else 0
    fixed = (
        _patron_status(card, blocks)
        + "000"
        + sip_date(ctx.now)
        + f"{len(available):04d}{len(overdue):04d}{len(loans):04d}{fines_count:04d}0000{len(unavailable):04d}"
    )
    fields = _patron_fields(ctx, card, password_ok) + [("CB", rule.max_on_hand)]
    summary = ctx.message.fixed.get("summary", "")
    wanted = summary.find("Y")
    window = _range(ctx.message)
    if wanted == 0:
        fields += [("AS", hold.item.barcode if hold.item else hold.title.title) for hold in available[window]]
    elif wanted == 1:
        fields += [("AT", loan.copy.item.barcode) for loan in overdue[window]]
    elif wanted == 2:
        fields += [("AU", loan.copy.item.barcode) for loan in loans[window]]
    elif wanted == 3 and card.fines_owed:
        fields += [("AV", f"{_money(card)} {card.library.currency}")]
    elif wanted == 5:
        fields += [("CD", hold.title.title) for hold in unavailable[window]]
    if blocks:
        fields.append(("AF", "; ".join(blocks)))
    return "64", fixed, fields


_CIRCULATION_STATUS = {
    Item.Status.ON_SHELF: "03",
    Item.Status.ON_LOAN: "04",
    Item.Status.RESERVED: "08",
    Item.Status.SET_ASIDE: "08",
    Item.Status.IN_TRANSIT: "10",
    Item.Status.READING_ROOM: "01",
    Item.Status.LOST: "12",
}


def item_information(session: Session, ctx: Context) -> tuple[str, str, list]:
    item = _item(ctx)
    barcode = ctx.message.get("AB").strip()
    if item is None:
        fixed = "01" + "00" + "01" + sip_date(ctx.now)
        return "18", fixed, [("AB", barcode), ("AJ", ""), ("AF", _screen(ctx, desk.UnknownBarcode(barcode=barcode)))]
    loan = Loan.objects.filter(copy__item=item, ended_at__isnull=True).select_related("library").first()
    queue = Hold.objects.filter(library_id=item.library_id, title_id=item.title_id, status=Hold.Status.WAITING)
    fixed = _CIRCULATION_STATUS.get(item.status, "01") + "00" + "01" + sip_date(ctx.now)
    location = item.in_transit_to or item.library
    fields = [
        ("AB", item.barcode),
        ("AJ", item.title.title),
        ("CF", queue.count()),
        ("AH", _due(loan).strip() if loan else None),
        ("AP", location.name),
        ("AQ", item.library.name),
        ("CS", item.shelf_mark or None),
    ]
    return "18", fixed, fields


def checkout(session: Session, ctx: Context) -> tuple[str, str, list]:
    _allowed(ctx, "may_checkout", _("check out"))
    card = _patron(session, ctx)
    barcode = ctx.message.get("AB").strip()
    open_loan = (
        Loan.objects.filter(card=card, copy__item__barcode=barcode, ended_at__isnull=True).select_related("library")
    ).first()
    renewal = "N"
    if open_loan is not None:
        _allowed(ctx, "may_renew", _("renew"))
        _renew(card, open_loan)
        loan = Loan.objects.select_related("library", "title", "copy__item").get(pk=open_loan.pk)
        renewal = "Y"
    else:
        loan = desk.check_out(librarian=ctx.account.user, card=card, barcode=barcode, now=ctx.now)
    fixed = "1" + renewal + "U" + "Y" + sip_date(ctx.now)
    return (
        "12",
        fixed,
        [
            ("AO", ctx.institution),
            ("AA", card.number),
            ("AB", loan.copy.item.barcode),
            ("AJ", loan.title.title),
            ("AH", _due(loan).strip()),
        ],
    )


def _renew(card: Card, loan: Loan) -> None:
    """The reader asks, as on the loans page: the library's rules and its automatic-renewal setting decide."""
    renewal = renewals.request_renewal(card=card, loan=loan)
    if renewal.status != Renewal.Status.GRANTED:
        raise RenewalPending()


def checkin(session: Session, ctx: Context) -> tuple[str, str, list]:
    _allowed(ctx, "may_checkin", _("check in"))
    outcome = desk.check_in(
        librarian=ctx.account.user, barcode=ctx.message.get("AB"), at_library=ctx.account.library, now=ctx.now
    )
    item = outcome.item
    if outcome.loan is not None:
        ctx.language = outcome.loan.card.user.language or ctx.language
    alert, alert_type, sort_bin = "N", None, None
    if outcome.send_to is not None:
        alert, alert_type, sort_bin = "Y", "04", "TRANSIT"
    elif outcome.hold is not None:
        alert, alert_type, sort_bin = "Y", "01", "HOLD"
    with translation.override(ctx.language):
        screen = outcome.message
    fixed = "1" + "Y" + "U" + alert + sip_date(ctx.now)
    fields = [
        ("AO", ctx.institution),
        ("AB", item.barcode),
        ("AQ", item.library.name),
        ("AJ", item.title.title),
        ("AA", outcome.loan.card.number if outcome.loan else None),
        ("CL", sort_bin),
        ("CV", alert_type),
        ("CT", outcome.send_to.name if outcome.send_to else None),
        ("AF", screen),
    ]
    return "10", fixed, fields


def renew(session: Session, ctx: Context) -> tuple[str, str, list]:
    _allowed(ctx, "may_renew", _("renew"))
    card = _patron(session, ctx)
    barcode = ctx.message.get("AB").strip()
    loan = (
        Loan.objects.filter(card=card, copy__item__barcode=barcode, ended_at__isnull=True)
        .select_related("library", "title")
        .first()
    )
    if loan is None:
        raise NoSuchLoan(barcode=barcode)
    _renew(card, loan)
    loan.refresh_from_db()
    fixed = "1" + "Y" + "U" + "Y" + sip_date(ctx.now)
    return (
        "30",
        fixed,
        [("AO", ctx.institution), ("AA", card.number), ("AB", barcode), ("AJ", loan.title.title), ("AH", _due(loan))],
    )


def renew_all(session: Session, ctx: Context) -> tuple[str, str, list]:
    _allowed(ctx, "may_renew", _("renew"))
    card = _patron(session, ctx)
    loans = Loan.objects.filter(card=card, ended_at__isnull=True, copy__item__isnull=False).select_related("copy__item")
    renewed, refused, screens = [], [], []
    for loan in loans.order_by("due_at", "id"):
        try:
            _renew(card, loan)
            renewed.append(loan.copy.item.barcode)
        except DomainError as error:
            refused.append(loan.copy.item.barcode)
            screens.append(f"{loan.copy.item.barcode}: {_screen(ctx, error)}")
    fixed = flag(bool(renewed)).replace("Y", "1").replace("N", "0") + f"{len(renewed):04d}{len(refused):04d}"
    fields = [("AO", ctx.institution), *[("BM", b) for b in renewed], *[("BN", b) for b in refused]]
    fields += [("AF", screen) for screen in screens[:5]]
    return "66", fixed + sip_date(ctx.now), fields


def fee_paid(session: Session, ctx: Context) -> tuple[str, str, list]:
    _allowed(ctx, "may_pay", _("take payments"))
    card = _patron(session, ctx)
    currency = ctx.message.fixed["currency_type"].strip()
    if currency and currency.upper() != card.library.currency.upper():
        raise WrongCurrency(currency=card.library.currency)
    amount = fines.parse_amount(ctx.message.get("BV"))
    fines.pay(
        librarian=ctx.account.user,
        card=card,
        amount=amount,
        now=ctx.now,
        note=f"SIP2 {ctx.account} {ctx.message.get('BK')}"[:300],
    )
    return "38", "Y" + sip_date(ctx.now), [("AO", ctx.institution), ("AA", card.number), ("BK", ctx.message.get("BK"))]


def end_session(session: Session, ctx: Context) -> tuple[str, str, list]:
    session.verified.clear()
    return "36", "Y" + sip_date(ctx.now), [("AO", ctx.institution), ("AA", ctx.message.get("AA"))]


HANDLERS = {
    "99": sc_status,
    "63": patron_information,
    "23": patron_status,
    "17": item_information,
    "11": checkout,
    "09": checkin,
    "29": renew,
    "65": renew_all,
    "37": fee_paid,
    "35": end_session,
}


def _refused(command: str, ctx: Context, error: DomainError) -> tuple[str, str, list]:
    """The one place a DomainError becomes a SIP answer: "not done" in the fixed fields, the reason in AF."""
    if isinstance(error, desk.ReaderBlocked):  # the desk's text asks the librarian for an override reason
        error = KioskReaderBlocked(reasons=error.params["reasons"].rstrip("."))
    screen = _screen(ctx, error)
    date = sip_date(ctx.now)
    message = ctx.message
    common = [("AO", ctx.institution), ("AA", message.get("AA")), ("AB", message.get("AB")), ("AF", screen)]
    if command == "12":  # ok, renewal ok, magnetic media, desensitize
        return "12", "0NUN" + date, [*common, ("AJ", "")]
    if command == "10":  # ok, resensitize, magnetic media, alert
        return "10", "0YUN" + date, [*common, ("AQ", "")]
    if command == "30":
        return "30", "0NUN" + date, [*common, ("AJ", "")]
    if command == "66":
        return "66", "000000000" + date, [("AO", ctx.institution), ("AF", screen)]
    if command == "38":
        return "38", "N" + date, [("AO", ctx.institution), ("AA", message.get("AA")), ("AF", screen)]
    return _unknown_patron_response(command, ctx)


def _response_command(command: str) -> str:
    return f"{int(command) + 1:02d}"


def login(session: Session, message: Message, *, now: datetime) -> bytes | str:
    """93 → 94. Failures count against the account and the IP (the site's sign-in throttle) and are logged."""
    login_id, password, location = message.get("CN").strip(), message.get("CO"), message.get("CP").strip()
    candidates = list(SipAccount.objects.select_related("user").filter(login=login_id, active=True))
    if len(candidates) > 1:
        candidates = [account for account in candidates if account.institution_id == location]
    account = candidates[0] if len(candidates) == 1 else None
    user = account.user if account else None
    if throttle.exceeded(throttle.LOGIN, user=user, ip=session.ip):
        with transaction.atomic():
            events.record(Event.Kind.LOGIN_THROTTLED, ip=session.ip, now=now, channel="sip2", identifier=login_id[:100])
        session.account_id = None
        return "0"
    if account is None or not account.check_password(password):
        throttle.record(throttle.LOGIN, user=user, ip=session.ip)
        with transaction.atomic():
            events.record(
                Event.Kind.LOGIN_FAILED,
                ip=session.ip,
                now=now,
                library=account.library if account else None,
                channel="sip2",
                identifier=login_id[:100],
            )
        session.account_id = None
        return "0"
    throttle.clear_account(throttle.LOGIN, user)
    with transaction.atomic():
        events.record(Event.Kind.LOGIN, actor=user, ip=session.ip, now=now, library=account.library, channel="sip2")
        SipAccount.objects.filter(pk=account.pk).update(last_seen_at=now)
    session.account_id = account.pk
    session.verified.clear()
    return "1"


def handle(session: Session, raw: bytes, *, charset: str | None = None, now: datetime | None = None) -> bytes:
    """Answer one message (bytes without the terminator). Raises `NotLoggedIn` when the connection must close."""
    now = now or clock.now()
    charset = charset or _session_charset(session)
    try:
        message = protocol.parse(raw, charset=charset)
    except protocol.ProtocolError:
        return protocol.resend()
    if message.command == "97":
        return session.last_response or protocol.resend()
    try:
        if message.command == "93":
            ok = login(session, message, now=now)
            response = protocol.format_message("94", ok, [], sequence=message.sequence, charset=charset)
        else:
            response = _answer(session, message, now=now, charset=charset)
    except (LoginThrottled, ServiceBusy):
        response = protocol.resend()
    session.last_response = response
    return response


def _session_charset(session: Session) -> str:
    if session.account_id is None:
        return protocol.CHARSETS[0]
    return SipAccount.objects.filter(pk=session.account_id).values_list("charset", flat=True).first() or "utf-8"


def _answer(session: Session, message: Message, *, now: datetime, charset: str) -> bytes:
    if session.account_id is None:
        raise NotLoggedIn()
    account = _account(session, now)
    institution = message.get("AO").strip()
    if institution and institution != account.institution_id:
        raise NotLoggedIn()
    ctx = Context(account=account, message=message, now=now, language=account.library.language)
    with translation.override(ctx.language):
        try:
            command, fixed, fields = HANDLERS[message.command](session, ctx)
        except DomainError as error:
            command, fixed, fields = _refused(_response_command(message.command), ctx, error)
    return protocol.format_message(command, fixed, fields, sequence=message.sequence, charset=charset)
