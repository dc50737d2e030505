"""Real HTTP test clients signed in as a user, in English (the site's default language is Russian)."""

from django.test import Client

from abonement.testing.factories import TEST_PASSWORD


def signed_in(user) -> Client:
    """A client that signed in through the login page as `user` (made by the factories, with TEST_PASSWORD)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client
