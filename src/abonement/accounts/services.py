"""Signing in and out, sessions, passwords."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from abonement.accounts import throttle
from abonement.accounts.identifiers import find_user
from abonement.accounts.models import TrackedSession, User
from abonement.core import clock, events
from abonement.core.errors import DomainError, LoginThrottled, busy_when_locked
from abonement.core.models import Event
from abonement.notifications import services as notices


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
def sign_in(request, *, identifier: str, password: str, now: datetime | None = None) -> User:
    """Authenticate and start a session; a staff account keeps at most MAX_STAFF_SESSIONS devices.

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
    return user


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
def request_password_reset(*, identifier: str, ip: str | None = None, language: str = "ru") -> bool:
    """E-mail a reset link when the login is known, has an e-mail and has not had too many links lately.

    Answers the same either way; only too many requests from one IP are refused, which tells nothing
    about accounts.
    """
    if throttle.exceeded(throttle.RESET, user=None, ip=ip):
        events.security_log.warning("password_reset_throttled ip=%s", ip)
        raise PasswordResetThrottled(minutes=throttle.window_minutes(throttle.RESET))
    throttle.record(throttle.RESET, ip=ip)
    user = find_user(identifier)
    if user is None or not user.email:
        return False
    if throttle.exceeded(throttle.RESET, user=user, ip=None):
        events.security_log.warning("password_reset_throttled subject=%s ip=%s", user.pk, ip)
        return False
    throttle.record(throttle.RESET, user=user)
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
        events.record(Event.Kind.PASSWORD_RESET_REQUESTED, subject_user=user, ip=ip)
    return True


def record_password_reset_done(*, user: User, ip: str | None) -> None:
    with transaction.atomic():
        end_all_sessions(user)
        events.record(Event.Kind.PASSWORD_RESET_DONE, actor=user, subject_user=user, ip=ip)


def set_language(*, user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(language=language)
