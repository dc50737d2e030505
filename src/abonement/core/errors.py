"""Domain errors carry a code and a translated message; views, the API and kiosks map them in one place each."""

import functools

from django.db import OperationalError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status = 400
    message = _("The operation cannot be done.")

    def __init__(self, message=None, **params):
        self.params = params
        if message is not None:
            self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403
    message = _("You are not allowed to do this.")


class LoginThrottled(DomainError):
    code = "login_throttled"
    status = 429
    message = _("Too many failed attempts. Try again in %(minutes)d minutes.")


class ServiceBusy(DomainError):
    """The database cannot take a write now (SQLite locked by a long writer, a lock timeout): retry soon."""

    code = "busy"
    status = 503
    message = _("The system is busy right now. Please try again in a minute.")


def busy_when_locked(service):
    """Turn a database that cannot take the write now into ServiceBusy (a 503 "try again"), never a 500.

    For services that open their own transactions, called outside any other: the failed one is rolled back.
    """

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except OperationalError as exc:
            raise ServiceBusy() from exc

    return wrapper


def add_to_form(form, error: DomainError, field_by_code: dict[str, str] | None = None) -> int:
    """Show a DomainError on the form field it concerns (or on the whole form); return its HTTP status."""
    form.add_error((field_by_code or {}).get(error.code), str(error))
    return error.status
