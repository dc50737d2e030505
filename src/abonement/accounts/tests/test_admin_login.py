"""The admin signs in through the one login box: its throttle, its events, its device limit."""

import pytest
from django.test import Client

from abonement.accounts.models import TrackedSession
from abonement.core.models import Event
from abonement.testing.factories import TEST_PASSWORD


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def admin_user(user_factory):
    return user_factory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.django_db
class TestAdminLogin:
    def test_admin_login_page_sends_to_our_login(self, client):
        response = client.get("/admin/login/?next=/admin/accounts/user/")
        assert response.status_code == 302
        assert response.url == "/login/?next=/admin/accounts/user/"
        assert client.get("/admin/login/").url == "/login/?next=/admin/"
        assert client.get("/admin/login/?next=https://evil.example/").url == "/login/?next=/admin/"

    def test_the_admin_form_checks_no_password(self, client, admin_user):
        response = client.post("/admin/login/", {"username": "root", "password": TEST_PASSWORD})
        assert response.status_code == 302
        assert response.url.startswith("/login/")
        assert "_auth_user_id" not in client.session

    def test_admin_signs_in_through_our_login_and_reaches_the_admin(self, client, admin_user):
        entry = client.get("/admin/", follow=True)
        assert entry.redirect_chain[-1][0] == "/login/?next=/admin/"
        response = client.post(
            "/login/?next=/admin/", {"identifier": "root", "password": TEST_PASSWORD, "next": "/admin/"}
        )
        assert response.url == "/admin/"
        assert client.get("/admin/").status_code == 200
        assert TrackedSession.objects.filter(user=admin_user).count() == 1
        assert Event.objects.filter(kind=Event.Kind.LOGIN, subject_user=admin_user).exists()

    def test_wrong_admin_passwords_are_counted_and_throttled(self, client, admin_user, settings):
        settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "per_account": 3}
        for _ in range(3):
            assert (
                client.post("/login/", {"identifier": "root", "password": "guess", "next": "/admin/"}).status_code
                == 400
            )
        assert Event.objects.filter(kind=Event.Kind.LOGIN_FAILED).count() == 3
        assert client.post("/login/", {"identifier": "root", "password": TEST_PASSWORD}).status_code == 429

    def test_sixth_admin_device_ends_the_oldest(self, admin_user):
        devices = [english() for _ in range(6)]
        for device in devices:
            assert device.post("/login/", {"identifier": "root", "password": TEST_PASSWORD}).status_code == 302
        assert TrackedSession.objects.filter(user=admin_user).count() == 5
        assert devices[0].get("/admin/").status_code == 302
        assert all(device.get("/admin/").status_code == 200 for device in devices[1:])

    def test_signed_in_without_staff_rights_is_refused_not_looped(self, client, librarian_factory):
        librarian_factory(username="mara")
        client.post("/login/", {"identifier": "mara", "password": TEST_PASSWORD})
        response = client.get("/admin/", follow=True)
        assert response.status_code == 403
        assert [url for url, _ in response.redirect_chain] == ["/admin/login/?next=/admin/"]

    def test_admin_logout_ends_the_tracked_session(self, client, admin_user):
        client.post("/login/", {"identifier": "root", "password": TEST_PASSWORD})
        response = client.post("/admin/logout/")
        assert response.status_code == 302
        assert not TrackedSession.objects.filter(user=admin_user).exists()
        assert Event.objects.filter(kind=Event.Kind.LOGOUT, subject_user=admin_user).exists()
        assert client.get("/admin/").status_code == 302
