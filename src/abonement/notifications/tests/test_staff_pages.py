import pytest
from django.db import transaction

from abonement.notifications import services
from abonement.testing.factories import TEST_PASSWORD


@pytest.mark.django_db
def test_staff_see_status_of_their_library_notices_only(client, librarian_factory, library_factory, user_factory):
    mine, other = library_factory(), library_factory()
    librarian = librarian_factory(library=mine)
    reader = user_factory()
    with transaction.atomic():
        for library, to in ((mine, "mine@example.org"), (other, "other@example.org")):
            services.queue(
                kind="password_reset",
                to=to,
                library=library,
                language="en",
                context={"user": reader, "link": "https://example.org/x"},
            )
    client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD})
    html = client.get("/staff/notices/").content.decode()
    assert "mine@example.org" in html and "Queued" in html
    assert "other@example.org" not in html
    filtered = client.get("/staff/notices/?status=sent").content.decode()
    assert "mine@example.org" not in filtered
