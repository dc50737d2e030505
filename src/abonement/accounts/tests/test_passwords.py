import math
import re

import pytest
from django.test import Client

from abonement.accounts.passwords import ALPHABET, GROUP_LENGTH, GROUPS, generate_password
from abonement.notifications.models import Notice
from abonement.testing.factories import TEST_PASSWORD


def test_generated_passwords_are_strong_and_unambiguous():
    assert GROUPS * GROUP_LENGTH * math.log2(len(ALPHABET)) >= 60
    samples = {generate_password() for _ in range(500)}
    assert len(samples) == 500
    for password in samples:
        assert re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5}", password)
        assert not set(password) & set("0Oo1lI")


@pytest.mark.django_db
def test_change_password_keeps_this_device_and_ends_others(card_factory):
    card = card_factory()
    here, other = Client(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT_LANGUAGE="en")
    for device in (here, other):
        device.post("/login/", {"identifier": card.number, "password": TEST_PASSWORD})
    response = here.post(
        "/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "Fresh-Pass-2026", "new_password2": "Fresh-Pass-2026"},
    )
    assert response.status_code == 302
    assert here.get("/my/").status_code == 200
    assert other.get("/my/").status_code == 302
    card.user.refresh_from_db()
    assert card.user.check_password("Fresh-Pass-2026")


@pytest.mark.django_db
def test_change_password_rejects_wrong_old_password(client, card_factory):
    card = card_factory()
    client.post("/login/", {"identifier": card.number, "password": TEST_PASSWORD})
    response = client.post(
        "/password/", {"old_password": "nope", "new_password1": "Fresh-Pass-2026", "new_password2": "Fresh-Pass-2026"}
    )
    assert response.status_code == 400
    card.user.refresh_from_db()
    assert card.user.check_password(TEST_PASSWORD)


@pytest.mark.django_db
def test_forgot_password_by_email_link(client, card_factory):
    card = card_factory(user__email="pupil@example.org")
    response = client.post("/password/reset/", {"identifier": card.number})
    assert response.status_code == 200
    notice = Notice.objects.get(kind="password_reset")
    assert notice.to == "pupil@example.org"
    link = re.search(r"https?://\S+/password/reset/\S+/", notice.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "Brand-New-Pass-7", "new_password2": "Brand-New-Pass-7"})
    assert response.status_code == 302
    assert client.post("/login/", {"identifier": card.number, "password": "Brand-New-Pass-7"}).status_code == 302
    # the link works once
    assert "no longer valid" in client.get("/" + path, follow=True).content.decode()


@pytest.mark.django_db
def test_forgot_password_answers_the_same_for_unknown_logins(client):
    response = client.post("/password/reset/", {"identifier": "999999999"})
    assert response.status_code == 200
    assert not Notice.objects.exists()
    assert client.post("/password/reset/", {"identifier": ""}).status_code == 400


@pytest.mark.django_db
class TestResetThrottle:
    def test_links_per_account_are_limited_however_the_account_is_named(self, card_factory, settings):
        settings.PASSWORD_RESET_THROTTLE = {**settings.PASSWORD_RESET_THROTTLE, "per_account": 2}
        card = card_factory(user__email="pupil@example.org", user__phone="+37120000001")
        # from different addresses, so only the account's counter can stop the e-mails
        for i, identifier in enumerate([card.number, "PUPIL@example.org", "+371 2000 0001", card.number]):
            response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
                "/password/reset/", {"identifier": identifier}, REMOTE_ADDR=f"198.51.100.{i}"
            )
            # the same neutral answer every time: the page does not tell that the account exists
            assert response.status_code == 200
            assert "Check your e-mail" in response.content.decode()
        assert Notice.objects.filter(kind="password_reset", to="pupil@example.org").count() == 2

    def test_one_address_asking_for_many_links_is_stopped(self, card_factory, settings):
        settings.PASSWORD_RESET_THROTTLE = {**settings.PASSWORD_RESET_THROTTLE, "per_ip": 4}
        cards = [card_factory() for _ in range(3)]
        asker = {"REMOTE_ADDR": "203.0.113.9"}
        for identifier in [cards[0].number, "999999999", cards[1].number, "nobody@example.org"]:
            response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/password/reset/", {"identifier": identifier}, **asker)
            assert response.status_code == 200
        response = Client(HTTP_ACCEPT_LANGUAGE="ru").post("/password/reset/", {"identifier": cards[2].number}, **asker)
        assert response.status_code == 429
        assert "Слишком много запросов на сброс пароля" in response.content.decode()
        assert Notice.objects.filter(kind="password_reset").count() == 2
        # another address is not affected
        response = Client().post("/password/reset/", {"identifier": cards[2].number}, REMOTE_ADDR="192.0.2.1")
        assert response.status_code == 200
        assert Notice.objects.filter(kind="password_reset").count() == 3
