from django.contrib.auth.backends import ModelBackend

from abonement.accounts.identifiers import find_user
from abonement.accounts.models import User


class LoginBackend(ModelBackend):
    """One login box for everyone: card number, e-mail, phone or staff login, then password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = find_user(username)
        if user is None:
            # Spend the same time as a real check so response time does not reveal which logins exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
