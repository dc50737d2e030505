"""Domain errors carry a code and a translated message; views, the API and kiosks map them in one place each."""

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


def add_to_form(form, error: DomainError, field_by_code: dict[str, str] | None = None) -> int:
    """Show a DomainError on the form field it concerns (or on the whole form); return its HTTP status."""
    form.add_error((field_by_code or {}).get(error.code), str(error))
    return error.status
