import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from abonement.accounts.models import TrackedSession
from abonement.core.models import Event
from abonement.testing.factories import TEST_PASSWORD

LOGIN = "/login/"


def login(client, identifier, password=TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"identifier": identifier, "password": password}, **extra)


@pytest.mark.django_db
class TestOneLoginBox:
    def test_reader_signs_in_by_card_number(self, client, card_factory):
        card = card_factory()
        response = login(client, card.number)
        assert response.status_code == 302
        assert client.get("/my/").status_code == 200
        assert Event.objects.filter(kind=Event.Kind.LOGIN, subject_user=card.user).exists()

    def test_by_email_in_any_case(self, client, user_factory):
        user = user_factory(email="Reader@Example.org")
        assert login(client, "READER@example.ORG").status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_by_phone_with_or_without_plus(self, client, user_factory):
        user = user_factory(phone="+37120000001")
        assert login(client, "37120000001").status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)
        client.logout()
        assert login(client, "+371 2000 0001").status_code == 302

    def test_staff_by_login(self, client, librarian_factory):
        librarian = librarian_factory(username="mara")
        response = login(client, "mara")
        assert response.status_code == 302
        assert client.get("/").url == reverse("staff:home")
        assert client.session["_auth_user_id"] == str(librarian.pk)

    def test_safe_next_is_followed_and_foreign_next_ignored(self, client, card_factory):
        card = card_factory()
        response = client.post(LOGIN, {"identifier": card.number, "password": TEST_PASSWORD, "next": "/catalog/"})
        assert response.url == "/catalog/"
        client.logout()
        response = client.post(
            LOGIN, {"identifier": card.number, "password": TEST_PASSWORD, "next": "https://evil.example/"}
        )
        assert response.url == "/"


@pytest.mark.django_db
class TestBadInput:
    def test_unknown_user(self, client):
        response = login(client, "nobody-here")
        assert response.status_code == 400
        assert "Login or password is wrong" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert Event.objects.filter(kind=Event.Kind.LOGIN_FAILED).count() == 1

    def test_wrong_password(self, client, card_factory):
        card = card_factory()
        response = login(client, card.number, "not-the-password")
        assert response.status_code == 400
        assert "Login or password is wrong" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_empty_fields_name_each_field(self, client):
        response = client.post(LOGIN, {"identifier": "", "password": ""})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Enter your card number, e-mail, phone or login." in html
        assert "Enter your password." in html

    def test_messages_in_russian(self, client):
        response = client.post(LOGIN, {"identifier": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == 400
        assert "Введите пароль." in response.content.decode()

    def test_blocked_account_cannot_sign_in(self, client, user_factory):
        user = user_factory(is_active=False)
        assert login(client, user.username).status_code == 400


@pytest.mark.django_db
class TestThrottle:
    def test_account_is_throttled_after_repeated_failures_even_with_right_password(
        self, client, card_factory, settings
    ):
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_account": 3}
        card = card_factory()
        for _ in range(3):
            assert login(client, card.number, "wrong").status_code == 400
        response = login(client, card.number)
        assert response.status_code == 429
        assert "Too many failed attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert Event.objects.filter(kind=Event.Kind.LOGIN_THROTTLED).exists()

    def test_other_accounts_behind_the_same_school_ip_still_sign_in(self, card_factory, settings):
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_account": 3, "per_ip": 200}
        cards = [card_factory() for _ in range(31)]
        school = {"REMOTE_ADDR": "10.0.0.7"}
        # a whole class mistypes once each
        for card in cards[:30]:
            assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), card.number, "typo", **school).status_code == 400
        # and then everyone, including a classmate who had not tried yet, signs in
        for card in cards:
            assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), card.number, **school).status_code == 302

    def test_an_ip_guessing_many_accounts_is_stopped(self, card_factory, settings):
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_ip": 5}
        cards = [card_factory() for _ in range(6)]
        attacker = {"REMOTE_ADDR": "203.0.113.9"}
        for card in cards[:5]:
            assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), card.number, "guess", **attacker).status_code == 400
        assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), cards[5].number, **attacker).status_code == 429
        assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), cards[5].number, REMOTE_ADDR="198.51.100.1").status_code == 302

    def test_success_clears_the_account_counter(self, client, card_factory, settings):
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_account": 3}
        card = card_factory()
        login(client, card.number, "wrong")
        login(client, card.number, "wrong")
        assert login(client, card.number).status_code == 302
        client.logout()
        login(client, card.number, "wrong")
        login(client, card.number, "wrong")
        assert login(client, card.number).status_code == 302


@pytest.mark.django_db
class TestThrottleCountsTheAccountNotWhatWasTyped:
    def test_failures_by_card_number_lock_email_and_phone_logins(self, card_factory, settings):
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_account": 3}
        card = card_factory(user__email="pupil@example.org", user__phone="+37120000001")
        # each guess from another address, so only the account's counter can stop them
        for i in range(3):
            response = login(Client(HTTP_ACCEPT_LANGUAGE="en"), card.number, "wrong", REMOTE_ADDR=f"198.51.100.{i}")
            assert response.status_code == 400
        for i, identifier in enumerate(["pupil@example.org", "PUPIL@Example.org", "+37120000001", "371 2000 0001"]):
            device = Client(HTTP_ACCEPT_LANGUAGE="en")
            response = login(device, identifier, REMOTE_ADDR=f"192.0.2.{i}")
            assert response.status_code == 429, identifier
            assert "Too many failed attempts" in response.content.decode()
            assert "_auth_user_id" not in device.session

    def test_every_spelling_of_the_phone_shares_one_counter(self, user_factory, settings):
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_account": 4}
        user_factory(phone="+37120000001")
        for i, spelling in enumerate(["37120000001", "+371 2000-0001", "+371 20000001", "371-2000-0001"]):
            response = login(Client(HTTP_ACCEPT_LANGUAGE="en"), spelling, "wrong", REMOTE_ADDR=f"198.51.100.{i}")
            assert response.status_code == 400, spelling
        response = login(Client(HTTP_ACCEPT_LANGUAGE="en"), "+37120000001", REMOTE_ADDR="192.0.2.1")
        assert response.status_code == 429
        assert Event.objects.filter(kind=Event.Kind.LOGIN_THROTTLED).count() == 1

    def test_unknown_identifiers_count_only_per_ip(self, card_factory, settings):
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_account": 3, "per_ip": 6}
        card = card_factory()
        # the same unknown login from many addresses is never locked on its own...
        for i in range(5):
            response = login(Client(HTTP_ACCEPT_LANGUAGE="en"), "nobody-here", "guess", REMOTE_ADDR=f"198.51.100.{i}")
            assert response.status_code == 400
        # ...but each try counts against the address it came from
        attacker = {"REMOTE_ADDR": "203.0.113.9"}
        for name in ["nobody-1", "nobody-2", "nobody-3", "nobody-1", "nobody-2", "nobody-3"]:
            assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), name, "guess", **attacker).status_code == 400
        assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), card.number, **attacker).status_code == 429
        assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), card.number, REMOTE_ADDR="192.0.2.1").status_code == 302

    def test_many_other_addresses_do_not_wash_out_an_account_counter(self, card_factory, settings):
        # The database cache culls a third of its rows, in key order, once it holds MAX_ENTRIES (300 by
        # default): a few hundred addresses failing once each would delete the account counters.
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_account": 3}
        card = card_factory()
        for i in range(3):
            login(Client(HTTP_ACCEPT_LANGUAGE="en"), card.number, "wrong", REMOTE_ADDR=f"198.51.100.{i}")
        for i in range(320):
            address = f"10.1.{i // 250}.{i % 250}"
            assert (
                login(Client(HTTP_ACCEPT_LANGUAGE="en"), f"nobody-{i}", "guess", REMOTE_ADDR=address).status_code == 400
            )
        assert login(Client(HTTP_ACCEPT_LANGUAGE="en"), card.number, REMOTE_ADDR="192.0.2.1").status_code == 429


@pytest.mark.django_db
class TestStaffSessionCap:
    def test_sixth_login_ends_the_oldest_session(self, librarian_factory):
        librarian = librarian_factory()
        devices = []
        for i in range(6):
            device = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT=f"device-{i}")
            assert login(device, librarian.username).status_code == 302
            devices.append(device)
        assert TrackedSession.objects.filter(user=librarian).count() == 5
        # the first device was signed out, the other five still work
        assert devices[0].get("/staff/").status_code == 302
        for device in devices[1:]:
            assert device.get("/staff/").status_code == 200
        evicted = Event.objects.get(kind=Event.Kind.SESSION_EVICTED)
        assert evicted.details["device"] == "device-0"

    def test_logged_out_sessions_do_not_count(self, librarian_factory):
        librarian = librarian_factory()
        first = Client(HTTP_ACCEPT_LANGUAGE="en")
        login(first, librarian.username)
        first.post("/logout/")
        devices = [Client(HTTP_ACCEPT_LANGUAGE="en") for _ in range(5)]
        for device in devices:
            login(device, librarian.username)
        assert all(device.get("/staff/").status_code == 200 for device in devices)
        assert not Event.objects.filter(kind=Event.Kind.SESSION_EVICTED).exists()

    def test_readers_are_not_capped(self, card_factory):
        card = card_factory()
        devices = [Client(HTTP_ACCEPT_LANGUAGE="en") for _ in range(7)]
        for device in devices:
            login(device, card.number)
        assert all(device.get("/my/").status_code == 200 for device in devices)

    def test_login_page_says_what_happens(self, client):
        assert "signs out the device that signed in first" in client.get(LOGIN).content.decode()


@pytest.mark.django_db
def test_logout_needs_post_and_ends_the_session(client, card_factory):
    card = card_factory()
    login(client, card.number)
    key = client.session.session_key
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/my/").status_code == 302
