from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import get_hasher, identify_hasher, is_password_usable, make_password

from abonement.accounts.identifiers import find_user


def _hashed_by_another_algorithm(encoded: str) -> bool:
    """Django evens out unusable hashes and older rounds of the default hasher itself, not another algorithm."""
    if not is_password_usable(encoded):
        return False
    try:
        return identify_hasher(encoded).algorithm != get_hasher().algorithm
    except ValueError:  # an unknown hasher: Django already spent a default-hasher check
        return False


class LoginBackend(ModelBackend):
    """One login box for everyone: card number, e-mail, phone or staff login, then password.

    Every failure costs at least one default-hasher check, so response time does not reveal which logins
    exist, nor which readers still have a generated password (1,000 cheap rounds, never signed in).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = find_user(username)
        if user is None:
            make_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        if _hashed_by_another_algorithm(user.password):
            make_password(password)
        return None
