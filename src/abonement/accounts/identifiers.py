"""Turning what a person types into the login box into one account."""

import phonenumbers

from abonement.accounts.models import User


def normalize_phone(raw: str, region: str | None = None) -> str | None:
    """Return the E.164 form of a phone number, or None when it is not a valid number.

    Digits without '+' are read as already carrying the country code (79261234567), as in the seed files.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    candidate = raw if raw.startswith("+") or region else "+" + raw
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_user(identifier: str) -> User | None:
    """Card number, e-mail, phone or staff login, in that order of likelihood."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    users = User.objects.filter(is_active=True)
    if identifier.isdigit():
        user = users.filter(cards__number=identifier).first()
        if user:
            return user
    if "@" in identifier:
        return users.filter(email__iexact=identifier).first()
    if identifier.lstrip("+").replace(" ", "").replace("-", "").isdigit():
        phone = normalize_phone(identifier.replace(" ", "").replace("-", ""))
        if phone:
            user = users.filter(phone=phone).first()
            if user:
                return user
    return users.filter(username__iexact=identifier).first()
