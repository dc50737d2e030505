"""Signing in and out, sessions, passwords."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, password_validation, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from abonement.accounts import codes, throttle
from abonement.accounts.identifiers import find_user
from abonement.accounts.models import PasswordResetCode, TrackedSession, User
from abonement.core import clock, events
from abonement.core.errors import DomainError, LoginThrottled, busy_when_locked
from abonement.core.models import Event
from abonement.notifications import services as notices
from abonement.notifications.models import Notice


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 400
    message = _("Login or password is wrong. Check the card number, e-mail or phone and the password.")


class PasswordResetThrottled(DomainError):
    code = "password_reset_throttled"
    status = 429
    message = _("Too many password reset requests from your network. Try again in %(minutes)d minutes.")


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def is_staff_account(user: User) -> bool:
    return user.staff_memberships.exists() or user.operated_networks.exists() or user.is_superuser


@busy_when_locked
def check_credentials(request, *, identifier: str, password: str, now: datetime | None = None) -> User:
    """The user the identifier and password name, without starting a session (reading apps send them with
    every request, HTTP Basic). Throttled and recorded exactly as the login form.

    Failures count against the account the identifier names, however it was typed, and against the IP.
    """
    now = now or clock.now()
    ip = client_ip(request)
    account = find_user(identifier)
    if throttle.exceeded(throttle.LOGIN, user=account, ip=ip):
        with transaction.atomic():
            events.record(Event.Kind.LOGIN_THROTTLED, ip=ip, now=now, identifier=identifier[:100])
        raise LoginThrottled(minutes=throttle.window_minutes(throttle.LOGIN))
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        throttle.record(throttle.LOGIN, user=account, ip=ip)
        with transaction.atomic():
            events.record(Event.Kind.LOGIN_FAILED, ip=ip, now=now, identifier=identifier[:100])
        raise InvalidCredentials()
    throttle.clear_account(throttle.LOGIN, user)
    return user


@busy_when_locked
def sign_in(request, *, identifier: str, password: str, now: datetime | None = None) -> User:
    """Authenticate and start a session; a staff account keeps at most MAX_STAFF_SESSIONS devices."""
    now = now or clock.now()
    ip = client_ip(request)
    user = check_credentials(request, identifier=identifier, password=password, now=now)
    start_session(request, user=user, now=now, ip=ip)
    return user


def start_session(request, *, user: User, now: datetime, ip: str | None = None) -> None:
    """Sign `user` in on this request's session (tracked; a staff account keeps at most MAX_STAFF_SESSIONS),
    once the caller has proved who it is: a password, or a one-time link such as "read on my phone"."""
    ip = ip if ip is not None else client_ip(request)
    with transaction.atomic():
        # Lock the account so two logins at the same instant cannot both keep a 6th session.
        User.objects.select_for_update().get(pk=user.pk)
        previous_key = request.session.session_key
        login(request, user)
        request.session.save()  # login() may have flushed the session: make sure the new key exists
        if previous_key:
            TrackedSession.objects.filter(session_key=previous_key).delete()
        TrackedSession.objects.create(
            user=user,
            session_key=request.session.session_key,
            created_at=now,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            ip=ip,
        )
        if is_staff_account(user):
            _evict_oldest_sessions(user, keep=settings.MAX_STAFF_SESSIONS, now=now, ip=ip)
        events.record(Event.Kind.LOGIN, actor=user, subject_user=user, ip=ip, now=now)


def _live_sessions(user: User, now: datetime):
    live_keys = Session.objects.filter(
        session_key__in=user.tracked_sessions.values("session_key"), expire_date__gt=now
    ).values("session_key")
    user.tracked_sessions.exclude(session_key__in=live_keys).delete()
    return user.tracked_sessions.order_by("created_at", "id")


def _evict_oldest_sessions(user: User, *, keep: int, now: datetime, ip: str | None) -> None:
    sessions = list(_live_sessions(user, now))
    for old in sessions[: max(0, len(sessions) - keep)]:
        Session.objects.filter(session_key=old.session_key).delete()
        old.delete()
        events.record(
            Event.Kind.SESSION_EVICTED, actor=user, subject_user=user, ip=ip, now=now, device=old.user_agent[:100]
        )


def end_all_sessions(user: User) -> int:
    """Sign the person out everywhere (blocking a card, a password reset by staff)."""
    keys = list(user.tracked_sessions.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    user.tracked_sessions.all().delete()
    return len(keys)


@busy_when_locked
def sign_out(request) -> None:
    user = request.user
    key = request.session.session_key
    with transaction.atomic():
        if user.is_authenticated:
            TrackedSession.objects.filter(session_key=key).delete()
            events.record(Event.Kind.LOGOUT, actor=user, subject_user=user, ip=client_ip(request))
    logout(request)


def change_password(request, *, user: User, new_password: str) -> None:
    """Set a new password; other devices are signed out, this one stays signed in."""
    old_key = request.session.session_key
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        update_session_auth_hash(request, user)
        TrackedSession.objects.filter(user=user).exclude(session_key=old_key).delete()
        TrackedSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
        events.record(Event.Kind.PASSWORD_CHANGED, actor=user, subject_user=user, ip=client_ip(request))


@busy_when_locked
def request_password_reset(
    *, identifier: str, ip: str | None = None, language: str = "ru", now: datetime | None = None
) -> bool:
    """E-mail a reset link when the login is known, has an e-mail and has not had too many links lately;
    to an account with a phone and no e-mail, send a code by SMS instead (SPEC A5).

    Answers the same either way; only too many requests from one IP are refused, which tells nothing
    about accounts.
    """
    now = now or clock.now()
    if throttle.exceeded(throttle.RESET, user=None, ip=ip):
        events.security_log.warning("password_reset_throttled ip=%s", ip)
        raise PasswordResetThrottled(minutes=throttle.window_minutes(throttle.RESET))
    throttle.record(throttle.RESET, ip=ip)
    user = find_user(identifier)
    if user is None or not (user.email or user.phone):
        return False
    if throttle.exceeded(throttle.RESET, user=user, ip=None):
        events.security_log.warning("password_reset_throttled subject=%s ip=%s", user.pk, ip)
        return False
    throttle.record(throttle.RESET, user=user)
    if not user.email:
        _send_reset_code(user, ip=ip, language=user.language or language, now=now)
        return True
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])
    with transaction.atomic():
        notices.queue(
            kind="password_reset",
            to=user.email,
            user=user,
            language=user.language or language,
            context={"user": user, "link": link},
        )
        events.record(Event.Kind.PASSWORD_RESET_REQUESTED, subject_user=user, ip=ip, now=now)
    return True


@transaction.atomic
def _send_reset_code(user: User, *, ip: str | None, language: str, now: datetime) -> None:
    """A new code replaces the one sent before; the SMS goes through the notice outbox."""
    user = User.objects.select_for_update().get(pk=user.pk)
    code = codes.new_code()
    PasswordResetCode.objects.filter(user=user).delete()
    PasswordResetCode.objects.create(user=user, code_hash=codes.code_hash(code), expires_at=now + codes.CODE_TTL)
    notices.queue(
        kind="password_reset_code",
        to=user.phone,
        channel=Notice.Channel.SMS,
        user=user,
        language=language,
        context={"code": code, "user": user},
        now=now,
    )
    events.record(Event.Kind.PASSWORD_RESET_REQUESTED, subject_user=user, ip=ip, now=now, channel="sms")


@busy_when_locked
def reset_password_by_code(
    *, identifier: str, code: str, new_password: str, ip: str | None = None, now: datetime | None = None
) -> User:
    """Set a new password with the code sent by SMS; the account's sessions end (as after the e-mail link).

    A wrong, used or expired code and a login we do not know get the same answer. A wrong code uses up one of
    the code's tries and counts against the IP's password-reset limit. The new password must pass the
    password validators (ValidationError); a right code with a weak password stays usable.
    """
    now = now or clock.now()
    if throttle.exceeded(throttle.RESET, user=None, ip=ip):
        events.security_log.warning("password_reset_throttled ip=%s", ip)
        raise PasswordResetThrottled(minutes=throttle.window_minutes(throttle.RESET))
    user = find_user(identifier)
    with transaction.atomic():
        pending = PasswordResetCode.objects.select_for_update().filter(user=user).first() if user else None
        if codes.check(pending, code, now=now):
            password_validation.validate_password(new_password, user)
            user = User.objects.select_for_update().get(pk=user.pk)
            user.set_password(new_password)
            user.save(update_fields=["password"])
            pending.delete()
            end_all_sessions(user)
            events.record(Event.Kind.PASSWORD_RESET_DONE, actor=user, subject_user=user, ip=ip, now=now, channel="sms")
            return user
    # outside the transaction: the count of wrong tries must survive the refusal
    throttle.record(throttle.RESET, ip=ip)
    raise codes.WrongCode()


def record_password_reset_done(*, user: User, ip: str | None) -> None:
    with transaction.atomic():
        end_all_sessions(user)
        events.record(Event.Kind.PASSWORD_RESET_DONE, actor=user, subject_user=user, ip=ip)


def set_language(*, user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(language=language)
