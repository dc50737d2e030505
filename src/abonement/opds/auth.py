"""HTTP Basic for reading apps: card number (or e-mail, phone) and password, checked and throttled exactly as
the login form (accounts.services.check_credentials), on every request and without a session."""

import base64
import binascii

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abonement.accounts import services as accounts
from abonement.core.errors import DomainError
from abonement.opds import feeds

BASIC = "http://opds-spec.org/auth/basic"


class CredentialsNeeded(DomainError):
    code = "credentials_needed"
    status = 401
    message = gettext_lazy("Sign in with your card number (or e-mail) and password.")

    def __init__(self, library, message=None):
        self.library = library
        super().__init__(message)


def challenge(library) -> str:
    realm = f"Abonement {library.pk}"
    return f'Basic realm="{realm}", charset="UTF-8"'


def _credentials(request) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    identifier, colon, password = decoded.partition(":")
    return (identifier, password) if colon else None


def basic_user(request, library):
    """The reader the request's Basic credentials name; CredentialsNeeded (401) when absent or wrong."""
    credentials = _credentials(request)
    if credentials is None:
        raise CredentialsNeeded(library)
    identifier, password = credentials
    try:
        return accounts.check_credentials(request, identifier=identifier, password=password)
    except accounts.InvalidCredentials as error:
        raise CredentialsNeeded(library, message=str(error)) from error


def authentication_document(request, library) -> dict:
    shelf = request.build_absolute_uri(reverse("opds:shelf", args=[library.pk]))
    return {
        "id": request.build_absolute_uri(reverse("opds:authentication", args=[library.pk])),
        "title": library.name,
        "description": _("Sign in with your library card."),
        "links": [
            {
                "rel": "start",
                "href": request.build_absolute_uri(reverse("opds:root", args=[library.pk])),
                "type": feeds.NAVIGATION,
            },
            {"rel": feeds.REL_SHELF, "href": shelf, "type": feeds.ACQUISITION},
            {
                "rel": "help",
                "href": request.build_absolute_uri(reverse("accounts:password_reset")),
                "type": "text/html",
            },
        ],
        "authentication": [
            {
                "type": BASIC,
                "labels": {"login": _("Card number or e-mail"), "password": _("Password")},
            }
        ],
    }
