"""Two people saving the same e-mail at the same instant: both pass the "contact free" check, the unique
index refuses the second, who must be told the e-mail is taken (409), not meet a server error."""

import pytest
from django.test import Client

from abonement.accounts.models import User
from abonement.testing.database import while_open
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_second_of_two_people_saving_one_e_mail_is_told_it_is_taken(card_factory, user_factory):
    card = card_factory(user=user_factory(email="anna@example.org", phone=None))
    other = user_factory(email="other@example.org")
    reader = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    assert reader.post("/login/", {"identifier": card.user.username, "password": TEST_PASSWORD}).status_code == 302
    answers = []

    def other_takes_the_e_mail():  # not committed yet while the reader saves: their check cannot see it
        User.objects.filter(pk=other.pk).update(email="shared@example.org")

    def reader_saves_it():
        data = {"full_name": card.full_name, "birth_date": "01.04.2006", "email": "shared@example.org", "phone": ""}
        answers.append(reader.post("/my/profile/", data))

    while_open(other_takes_the_e_mail, meanwhile=reader_saves_it)
    assert answers[0].status_code == 409
    assert "A user with e-mail shared@example.org already exists" in answers[0].content.decode()
    card.user.refresh_from_db()
    assert card.user.email == "anna@example.org"
