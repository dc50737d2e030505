"""One SMS code typed on two devices at the same instant sets one password: the code's row is locked, the
second finds it used."""

import re

import pytest
from django.test import Client

from abonement.accounts import services
from abonement.notifications.models import Notice
from abonement.testing.database import while_open

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_code_used_twice_at_once_sets_one_password(card_factory, user_factory):
    card = card_factory(user=user_factory(email=None, phone="+37120000066"))
    services.request_password_reset(identifier=card.number, ip="192.0.2.5")
    code = re.search(r"\b(\d{6})\b", Notice.objects.get(kind="password_reset_code").body).group(1)
    answers = []

    def first_device():  # not committed yet while the second device sends the same code
        services.reset_password_by_code(identifier=card.number, code=code, new_password="First-Device-2026")

    def second_device():
        password = "Second-Device-26"
        data = {"identifier": card.number, "code": code, "new_password1": password, "new_password2": password}
        answers.append(Client(HTTP_ACCEPT_LANGUAGE="en").post("/password/reset/code/", data))

    while_open(first_device, meanwhile=second_device)
    assert answers[0].status_code == 400
    assert "The code is wrong or too old" in answers[0].content.decode()
    card.user.refresh_from_db()
    assert card.user.check_password("First-Device-2026")
