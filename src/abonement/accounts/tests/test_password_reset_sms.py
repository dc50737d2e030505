"""A reader with a phone and no e-mail resets their password with a code sent by SMS (SPEC A5, issue #13)."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from abonement.accounts import codes, services
from abonement.accounts.models import PasswordResetCode
from abonement.core import clock
from abonement.core.models import Event
from abonement.notifications import services as notices
from abonement.notifications.models import Notice
from abonement.testing.factories import TEST_PASSWORD

PHONE = "+37120000077"
NEW = "Brand-New-Pass-7"
WRONG = "The code is wrong or too old. Ask for a new one."


@pytest.fixture
def card(card_factory, user_factory):
    return card_factory(user=user_factory(email=None, phone=PHONE, language="ru"))


def ask(identifier: str, client: Client | None = None, **extra):
    return (client or Client(HTTP_ACCEPT_LANGUAGE="en")).post("/password/reset/", {"identifier": identifier}, **extra)


def sent_code(caplog) -> str:
    """Deliver the SMS through the configured gateway (the logging one in tests); return the code it carried."""
    notice = Notice.objects.filter(kind="password_reset_code").latest("pk")
    caplog.clear()
    with caplog.at_level("INFO", logger="abonement.sms"):
        assert notices.deliver(notice_id=notice.pk).status == Notice.Status.SENT
    return re.search(rf"SMS to \{PHONE}: .*?\b(\d{{6}})\b", caplog.text).group(1)


def submit(client: Client, code: str, *, identifier: str | None = None, password: str = NEW, **extra):
    data = {"code": code, "new_password1": password, "new_password2": password}
    if identifier is not None:
        data["identifier"] = identifier
    return client.post("/password/reset/code/", data, **extra)


def other_than(code: str) -> str:
    return "000000" if code != "000000" else "111111"


@pytest.mark.django_db
class TestResetByCode:
    def test_the_code_arrives_by_sms_and_sets_a_new_password_once(self, card, caplog):
        elsewhere = Client()
        assert elsewhere.post("/login/", {"identifier": card.number, "password": TEST_PASSWORD}).status_code == 302
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        response = ask("+371 2000 0077", client)  # any spelling the login accepts
        assert response.status_code == 200
        page = response.content.decode()
        assert "Check your e-mail or phone" in page and 'action="/password/reset/code/"' in page
        notice = Notice.objects.get(kind="password_reset_code")
        assert notice.channel == Notice.Channel.SMS and notice.to == PHONE and notice.user == card.user
        code = sent_code(caplog)
        assert f"Код для нового пароля: {code}. Действует 15 минут." in caplog.text  # the reader's language
        assert code not in PasswordResetCode.objects.get(user=card.user).code_hash

        # the login typed on the first page is remembered for the code form
        response = submit(client, code, identifier="37120000077")
        assert response.status_code == 302 and response.url == "/login/"
        card.user.refresh_from_db()
        assert card.user.check_password(NEW)
        assert Client().post("/login/", {"identifier": PHONE, "password": NEW}).status_code == 302
        assert elsewhere.get("/my/").status_code == 302  # sessions of the account ended
        assert Event.objects.filter(kind=Event.Kind.PASSWORD_RESET_DONE, subject_user=card.user).exists()

        # used once: the same code again changes nothing
        again = submit(Client(HTTP_ACCEPT_LANGUAGE="en"), code, identifier=card.number, password="Other-Pass-8899")
        assert again.status_code == 400 and WRONG in again.content.decode()
        card.user.refresh_from_db()
        assert card.user.check_password(NEW)

    def test_the_card_number_works_too_and_the_form_keeps_the_login(self, card, caplog):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        ask(card.number, client)
        code = sent_code(caplog)
        assert f'value="{card.number}"' in client.get("/password/reset/code/").content.decode()
        assert submit(client, code, identifier=card.number).status_code == 302

    @pytest.mark.parametrize(
        ("language", "text"),
        [("lv", "Kods jaunai parolei: {code}. Derīgs 15 minūtes."), ("en", "Code for a new password: {code}.")],
    )
    def test_the_sms_is_in_the_readers_language(self, card, caplog, language, text):
        card.user.language = language
        card.user.save(update_fields=["language"])
        ask(PHONE, Client(HTTP_ACCEPT_LANGUAGE="ru"))
        code = sent_code(caplog)
        assert text.format(code=code) in caplog.text

    def test_a_wrong_code_is_refused_and_the_right_one_still_works(self, card, caplog):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        ask(PHONE, client)
        code = sent_code(caplog)
        response = submit(client, other_than(code), identifier=PHONE)
        assert response.status_code == 400
        assert re.search(r'id="id_code".*?<p class="field-error">' + re.escape(WRONG), response.content.decode(), re.S)
        card.user.refresh_from_db()
        assert card.user.check_password(TEST_PASSWORD)
        assert submit(client, code, identifier=PHONE).status_code == 302

    def test_after_five_wrong_tries_the_code_is_dead(self, card, caplog):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        ask(PHONE, client)
        code = sent_code(caplog)
        for _ in range(codes.CODE_ATTEMPTS):
            assert submit(client, other_than(code), identifier=PHONE).status_code == 400
        response = submit(client, code, identifier=PHONE)  # the 6th try, with the right code
        assert response.status_code == 400 and WRONG in response.content.decode()
        card.user.refresh_from_db()
        assert card.user.check_password(TEST_PASSWORD)

    def test_an_expired_code_is_refused(self, card, caplog):
        with_time = clock.now() - codes.CODE_TTL - timedelta(seconds=1)
        services.request_password_reset(identifier=PHONE, ip="192.0.2.7", now=with_time)
        code = sent_code(caplog)
        response = submit(Client(HTTP_ACCEPT_LANGUAGE="en"), code, identifier=PHONE)
        assert response.status_code == 400 and WRONG in response.content.decode()
        card.user.refresh_from_db()
        assert card.user.check_password(TEST_PASSWORD)

    def test_a_weak_password_is_refused_by_the_validators_and_the_code_stays_usable(self, card, caplog):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        ask(PHONE, client)
        code = sent_code(caplog)
        response = submit(client, code, identifier=PHONE, password="12345678")
        assert response.status_code == 400
        page = response.content.decode()
        assert "This password is too common." in page and 'id="id_new_password1"' in page
        mismatch = client.post(
            "/password/reset/code/",
            {"identifier": PHONE, "code": code, "new_password1": NEW, "new_password2": NEW + "x"},
        )
        assert mismatch.status_code == 400 and "The two password fields didn’t match." in mismatch.content.decode()
        assert PasswordResetCode.objects.get(user=card.user).attempts == 0
        assert submit(client, code, identifier=PHONE).status_code == 302


def neutral(page: str) -> str:
    """The page without what differs between any two answers: the CSRF token and the login typed back."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'name="identifier" value="[^"]*"', "", page)


@pytest.mark.django_db
class TestNothingTold:
    def test_an_unknown_phone_gets_the_same_page_and_the_same_refusal(self, card):
        known = ask(PHONE)
        unknown = ask("+37120000078")
        assert known.status_code == unknown.status_code == 200
        assert neutral(known.content.decode()) == neutral(unknown.content.decode())
        assert Notice.objects.filter(kind="password_reset_code").count() == 1

        for identifier in (PHONE, "+37120000078"):
            response = submit(Client(HTTP_ACCEPT_LANGUAGE="en"), "123456", identifier=identifier)
            assert response.status_code == 400 and WRONG in response.content.decode()

    def test_codes_per_account_are_limited_silently(self, card):
        for i in range(4):
            assert ask(PHONE, REMOTE_ADDR=f"198.51.100.{i}").status_code == 200
        assert Notice.objects.filter(kind="password_reset_code").count() == 3

    def test_wrong_codes_from_one_address_count_against_its_reset_limit(self, card, settings):
        settings.PASSWORD_RESET_THROTTLE = {**settings.PASSWORD_RESET_THROTTLE, "per_ip": 3}
        asker = {"REMOTE_ADDR": "203.0.113.9"}
        assert ask(PHONE, **asker).status_code == 200
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert submit(client, "123456", identifier="+37120000078", **asker).status_code == 400
        assert submit(client, "123456", identifier="+37120000079", **asker).status_code == 400
        response = submit(client, "123456", identifier=PHONE, **asker)
        assert response.status_code == 429 and "Too many password reset requests" in response.content.decode()
        assert ask(PHONE, **asker).status_code == 429
