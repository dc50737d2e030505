import pytest
from django.test import Client

from abonement.reports.visits import forget_recorded
from abonement.testing.factories import TEST_PASSWORD


@pytest.fixture(autouse=True)
def _fresh_visit_guard():
    """Ids come back after a rollback on SQLite; the per-process guard must not remember the last test."""
    forget_recorded()
    yield
    forget_recorded()


@pytest.fixture
def signed_in():
    def sign_in(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
        return client

    return sign_in
