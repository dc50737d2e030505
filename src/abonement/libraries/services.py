"""Operator duties: libraries and librarian accounts (SPEC T3)."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from abonement.accounts.models import User
from abonement.accounts.passwords import generate_password
from abonement.accounts.services import end_all_sessions
from abonement.core import clock, events
from abonement.core.errors import DomainError
from abonement.core.models import Event
from abonement.libraries.models import Library, Network, StaffMembership
from abonement.notifications import services as notices

LIBRARY_FIELDS = (
    "name",
    "address",
    "contact_email",
    "parent",
    "timezone",
    "opening_weekdays",
    "lending_mode",
    "self_service_enabled",
    "max_on_hand",
    "loan_days",
    "self_service_acquisition",
    "acquisition_price_cap",
    "notify_new_requests",
    "language",
    "readers_without_contact",
)


class EmailTaken(DomainError):
    code = "email_taken"
    status = 409
    message = _("A user with e-mail %(email)s already exists — give another e-mail.")


class LoginTaken(DomainError):
    code = "login_taken"
    status = 409
    message = _("The login %(login)s is taken — choose another.")


class AlreadyDeactivated(DomainError):
    code = "librarian_already_deactivated"
    status = 409
    message = _("%(name)s is already deactivated in this library.")


class NotDeactivated(DomainError):
    code = "librarian_not_deactivated"
    status = 409
    message = _("%(name)s is already active in this library.")


@transaction.atomic
def create_library(*, operator: User, network: Network, **fields) -> Library:
    library = Library(network=network, **{k: v for k, v in fields.items() if k in LIBRARY_FIELDS})
    library.full_clean()
    library.save()
    events.record(Event.Kind.LIBRARY_CREATED, actor=operator, library=library, name=library.name)
    return library


@transaction.atomic
def update_library(*, operator: User, library: Library, **fields) -> Library:
    library = Library.objects.select_for_update().get(pk=library.pk)
    changed = sorted(k for k, v in fields.items() if k in LIBRARY_FIELDS and getattr(library, k) != v)
    for name in changed:
        setattr(library, name, fields[name])
    library.full_clean()
    library.save()
    events.record(Event.Kind.LIBRARY_CHANGED, actor=operator, library=library, fields=changed)
    return library


def _queue_credentials(*, librarian: User, library: Library, password: str, kind: str) -> None:
    notices.queue(
        kind=kind,
        to=librarian.email,
        user=librarian,
        library=library,
        language=librarian.language,
        context={"user": librarian, "login": librarian.username, "password": password},
    )


@transaction.atomic
def create_librarian(
    *,
    operator: User,
    library: Library,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    language: str = "ru",
) -> tuple[User, str]:
    """Create a librarian account for `library` and e-mail them the login and a generated password."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(email=email)
    if User.objects.filter(username__iexact=username).exists():
        raise LoginTaken(login=username)
    password = generate_password()
    librarian = User(username=username, email=email, first_name=first_name, last_name=last_name, language=language)
    librarian.set_password(password)
    librarian.save()
    StaffMembership.objects.create(user=librarian, library=library)
    _queue_credentials(librarian=librarian, library=library, password=password, kind="staff_credentials")
    events.record(Event.Kind.LIBRARIAN_CREATED, actor=operator, library=library, subject_user=librarian)
    return librarian, password


@transaction.atomic
def reset_librarian_password(*, operator: User, librarian: User, library: Library) -> str:
    """Give the librarian a new generated password by e-mail and sign them out everywhere."""
    librarian = User.objects.select_for_update().get(pk=librarian.pk)
    password = generate_password()
    librarian.set_password(password)
    librarian.save(update_fields=["password"])
    end_all_sessions(librarian)
    _queue_credentials(librarian=librarian, library=library, password=password, kind="staff_password_reset")
    events.record(Event.Kind.LIBRARIAN_PASSWORD_RESET, actor=operator, library=library, subject_user=librarian)
    return password


def _has_other_way_in(user: User) -> bool:
    return (
        user.is_superuser
        or user.staff_memberships.filter(deactivated_at__isnull=True).exists()
        or user.operated_networks.exists()
        or user.cards.exists()
    )


@transaction.atomic
def deactivate_librarian(
    *, operator: User, librarian: User, library: Library, now: datetime | None = None
) -> StaffMembership:
    """End the librarian's work in `library` and sign them out everywhere. An account left with no other way in
    (another library, a network to run, a reader card) can no longer sign in at all."""
    now = now or clock.now()
    librarian = User.objects.select_for_update().get(pk=librarian.pk)
    membership = StaffMembership.objects.select_for_update().get(user=librarian, library=library)
    if membership.deactivated_at is not None:
        raise AlreadyDeactivated(name=librarian.get_full_name())
    membership.deactivated_at = now
    membership.save(update_fields=["deactivated_at"])
    if not _has_other_way_in(librarian):
        librarian.is_active = False
        librarian.save(update_fields=["is_active"])
    end_all_sessions(librarian)
    events.record(Event.Kind.LIBRARIAN_DEACTIVATED, actor=operator, library=library, subject_user=librarian, now=now)
    return membership


@transaction.atomic
def reactivate_librarian(
    *, operator: User, librarian: User, library: Library, now: datetime | None = None
) -> StaffMembership:
    """Let a deactivated librarian work in `library` again, with the password they had."""
    now = now or clock.now()
    librarian = User.objects.select_for_update().get(pk=librarian.pk)
    membership = StaffMembership.objects.select_for_update().get(user=librarian, library=library)
    if membership.deactivated_at is None:
        raise NotDeactivated(name=librarian.get_full_name())
    membership.deactivated_at = None
    membership.save(update_fields=["deactivated_at"])
    if not librarian.is_active:
        librarian.is_active = True
        librarian.save(update_fields=["is_active"])
    events.record(Event.Kind.LIBRARIAN_REACTIVATED, actor=operator, library=library, subject_user=librarian, now=now)
    return membership
