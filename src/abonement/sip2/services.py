"""Creating and changing kiosk accounts (issue #15). Each is one transaction; the kiosk's user is made here."""

import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from abonement.accounts.models import User
from abonement.core.errors import DomainError
from abonement.sip2.models import SipAccount

SETTINGS = ("charset", "may_checkout", "may_checkin", "may_renew", "may_pay", "require_patron_password", "active")


class LoginTaken(DomainError):
    code = "sip_login_taken"
    status = 409
    message = _("This login is already used by a kiosk of this institution.")


class PasswordTooShort(DomainError):
    code = "sip_password_too_short"
    status = 400
    message = _("The kiosk password must have at least %(length)d characters.")


MIN_PASSWORD = 8


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise PasswordTooShort(length=MIN_PASSWORD)


@transaction.atomic
def create_account(*, library, login: str, password: str, institution_id: str, **settings) -> SipAccount:
    login, institution_id = login.strip(), institution_id.strip()
    _check_password(password)
    if SipAccount.objects.filter(login=login, institution_id=institution_id).exists():
        raise LoginTaken()
    user = User(
        username=f"sip-{secrets.token_hex(8)}", first_name="SIP2", last_name=login[:100], language=library.language
    )
    user.set_unusable_password()
    user.save()
    account = SipAccount(library=library, user=user, login=login, institution_id=institution_id, **settings)
    account.set_password(password)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:  # the same login created at the same instant by another librarian
        raise LoginTaken() from exc
    return account


@transaction.atomic
def update_account(*, account: SipAccount, password: str = "", **settings) -> SipAccount:
    """Change what the kiosk may do; a new password when one is given. Deactivating logs the kiosk out on its
    next message (every message reloads the account)."""
    account = SipAccount.objects.select_for_update().get(pk=account.pk)
    for name in SETTINGS:
        if name in settings:
            setattr(account, name, settings[name])
    if password:
        _check_password(password)
        account.set_password(password)
    account.save()
    return account
