import re

import pytest
from django.test import Client

from abonement.accounts.models import TrackedSession, User
from abonement.core.models import Event
from abonement.libraries.models import Library, StaffMembership
from abonement.notifications.models import Notice
from abonement.testing.factories import TEST_PASSWORD


@pytest.fixture
def network(network_factory):
    return network_factory()


@pytest.fixture
def operator_client(operator_factory, network):
    operator = operator_factory(network=network)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": operator.username, "password": TEST_PASSWORD}).status_code == 302
    client.operator = operator
    return client


def library_form(network, **overrides):
    data = {
        "network": network.pk,
        "name": "Ilūkstes bibliotēka",
        "parent": "",
        "address": "Raiņa iela 7",
        "contact_email": "ilukste@example.lv",
        "timezone": "Europe/Riga",
        "opening_weekdays": ["1", "3", "5"],
        "lending_mode": "by_request",
        "self_service_enabled": "on",
        "max_on_hand": "3",
        "loan_days": "14",
        "language": "lv",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestLibraries:
    def test_operator_creates_a_library(self, operator_client, network):
        response = operator_client.post("/operator/libraries/new/", library_form(network))
        library = Library.objects.get(name="Ilūkstes bibliotēka")
        assert response.status_code == 302 and response.url == f"/operator/libraries/{library.pk}/"
        assert library.network == network and library.opening_weekdays == "135" and library.credits == 0
        assert library.language == "lv" and not library.self_service_acquisition and not library.notify_new_requests
        assert Event.objects.filter(kind=Event.Kind.LIBRARY_CREATED, library=library).exists()
        assert "Ilūkstes bibliotēka" in operator_client.get("/operator/").content.decode()

    def test_branch_of_a_central_library(self, operator_client, network, library_factory):
        central = library_factory(network=network)
        operator_client.post("/operator/libraries/new/", library_form(network, name="Filiāle", parent=central.pk))
        assert Library.objects.get(name="Filiāle").parent == central

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("name", "", "Enter the library&#x27;s name."),
            ("contact_email", "not-an-email", "Enter a valid e-mail address, like library@example.org."),
            ("loan_days", "0", "Ensure this value is greater than or equal to 1."),
            ("max_on_hand", "abc", "Enter a whole number."),
        ],
    )
    def test_bad_input_is_named_and_nothing_saved(self, operator_client, network, field, value, message):
        response = operator_client.post("/operator/libraries/new/", library_form(network, **{field: value}))
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert 'class="errors"' in html
        assert not Library.objects.exists()

    def test_parent_from_another_network_is_refused(self, operator_client, network, library_factory):
        foreign = library_factory()
        response = operator_client.post("/operator/libraries/new/", library_form(network, parent=foreign.pk))
        assert response.status_code == 400
        assert not Library.objects.filter(name="Ilūkstes bibliotēka").exists()

    def test_network_of_another_operator_cannot_be_chosen(self, operator_client, network_factory):
        foreign_network = network_factory()
        response = operator_client.post("/operator/libraries/new/", library_form(foreign_network))
        assert response.status_code == 400
        assert not Library.objects.exists()

    def test_edit(self, operator_client, network, library_factory):
        library = library_factory(network=network)
        data = library_form(network, name="Renamed", loan_days="21")
        assert operator_client.post(f"/operator/libraries/{library.pk}/edit/", data).status_code == 302
        library.refresh_from_db()
        assert library.name == "Renamed" and library.loan_days == 21 and library.network == network
        changed = Event.objects.get(kind=Event.Kind.LIBRARY_CHANGED)
        assert "name" in changed.details["fields"] and "loan_days" in changed.details["fields"]

    def test_librarians_and_readers_cannot_open_operator_pages(self, client, librarian_factory):
        librarian = librarian_factory()
        client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD})
        assert client.get("/operator/").status_code == 403
        assert client.post("/operator/libraries/new/", {}).status_code == 403

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get("/operator/")
        assert response.status_code == 302 and response.url.startswith("/login/?next=")


@pytest.mark.django_db
class TestLibrarians:
    def form(self, **overrides):
        data = {
            "first_name": "Māra",
            "last_name": "Ozola",
            "email": "mara@example.lv",
            "username": "mara.ozola",
            "language": "lv",
        }
        data.update(overrides)
        return data

    def test_create_librarian_queues_credentials_and_the_password_works(
        self, operator_client, network, library_factory
    ):
        library = library_factory(network=network)
        response = operator_client.post(f"/operator/libraries/{library.pk}/librarians/new/", self.form())
        assert response.status_code == 302
        librarian = User.objects.get(username="mara.ozola")
        assert StaffMembership.objects.filter(user=librarian, library=library).exists()
        notice = Notice.objects.get(kind="staff_credentials")
        assert notice.to == "mara@example.lv" and notice.library == library and notice.language == "lv"
        password = re.search(r"Parole: (\S+)", notice.body).group(1)
        fresh = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert fresh.post("/login/", {"identifier": "mara.ozola", "password": password}).url == "/"
        assert fresh.get("/staff/").status_code == 200

    @pytest.mark.parametrize(
        ("overrides", "status", "message"),
        [
            ({"email": "bad"}, 400, "Enter a valid e-mail address, like name@example.org."),
            ({"username": "1x"}, 400, "A login is 3–150 Latin letters"),
            ({"first_name": ""}, 400, "This field is required."),
        ],
    )
    def test_bad_input(self, operator_client, network, library_factory, overrides, status, message):
        library = library_factory(network=network)
        response = operator_client.post(f"/operator/libraries/{library.pk}/librarians/new/", self.form(**overrides))
        assert response.status_code == status
        assert message in response.content.decode()
        assert not User.objects.filter(username="mara.ozola").exists()
        assert not Notice.objects.exists()

    def test_email_used_by_anyone_is_refused(self, operator_client, network, library_factory, user_factory):
        user_factory(email="mara@example.lv")
        library = library_factory(network=network)
        response = operator_client.post(f"/operator/libraries/{library.pk}/librarians/new/", self.form())
        assert response.status_code == 409
        assert "A user with e-mail mara@example.lv already exists" in response.content.decode()
        assert not Notice.objects.exists()

    def test_reset_password_mails_a_new_one_and_ends_sessions(
        self, operator_client, network, library_factory, librarian_factory
    ):
        library = library_factory(network=network)
        librarian = librarian_factory(library=library)
        device = Client(HTTP_ACCEPT_LANGUAGE="en")
        device.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD})
        url = f"/operator/libraries/{library.pk}/librarians/{librarian.pk}/reset-password/"
        assert operator_client.get(url).status_code == 405
        assert operator_client.post(url).status_code == 302
        assert device.get("/staff/").status_code == 302
        assert not TrackedSession.objects.filter(user=librarian).exists()
        notice = Notice.objects.get(kind="staff_password_reset")
        password = re.search(r"Password: (\S+)", notice.body).group(1)
        librarian.refresh_from_db()
        assert librarian.check_password(password) and not librarian.check_password(TEST_PASSWORD)


def signed_in_device(user) -> Client:
    device = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert device.post("/login/", {"identifier": user.username, "password": TEST_PASSWORD}).status_code == 302
    return device


@pytest.mark.django_db
class TestDeactivation:
    """Issue #13: a librarian who leaves can be deactivated (and reactivated), not only have the password reset."""

    def urls(self, library, librarian):
        base = f"/operator/libraries/{library.pk}/librarians/{librarian.pk}"
        return f"{base}/deactivate/", f"{base}/reactivate/"

    def test_deactivate_ends_sessions_and_sign_in_then_reactivate(
        self, operator_client, network, library_factory, librarian_factory
    ):
        library = library_factory(network=network)
        librarian = librarian_factory(library=library, first_name="Māra", last_name="Ozola")
        device = signed_in_device(librarian)
        deactivate, reactivate = self.urls(library, librarian)
        page = operator_client.get(f"/operator/libraries/{library.pk}/").content.decode()
        assert f'<form method="post" action="{deactivate}">' in page and "<summary>Deactivate…" in page
        assert operator_client.get(deactivate).status_code == 405
        response = operator_client.post(deactivate, follow=True)
        assert "Māra Ozola is deactivated in this library and signed out everywhere." in response.content.decode()
        assert device.get("/staff/").status_code == 302
        assert not TrackedSession.objects.filter(user=librarian).exists()
        refused = Client(HTTP_ACCEPT_LANGUAGE="en").post(
            "/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}
        )
        assert refused.status_code == 400
        event = Event.objects.get(kind=Event.Kind.LIBRARIAN_DEACTIVATED)
        assert (event.actor, event.subject_user, event.library) == (operator_client.operator, librarian, library)
        page = operator_client.get(f"/operator/libraries/{library.pk}/").content.decode()
        assert "Deactivated on" in page and f'action="{reactivate}"' in page and f'action="{deactivate}"' not in page
        home = operator_client.get("/operator/").content.decode()
        assert re.search(rf"{library.name}</a></td>\s*<td>[^<]*</td>\s*<td>—</td>\s*<td>0</td>", home)  # librarians
        # reactivated, the same password works again
        response = operator_client.post(reactivate, follow=True)
        assert "Māra Ozola works in this library again" in response.content.decode()
        assert signed_in_device(librarian).get("/staff/").status_code == 200
        assert Event.objects.filter(kind=Event.Kind.LIBRARIAN_REACTIVATED, subject_user=librarian).count() == 1

    def test_a_librarian_of_two_libraries_keeps_the_other(
        self, operator_client, network, library_factory, librarian_factory
    ):
        here, there = library_factory(network=network, name="Here"), library_factory(network=network, name="There")
        librarian = librarian_factory(library=here)
        StaffMembership.objects.create(user=librarian, library=there)
        deactivate, _ = self.urls(here, librarian)
        assert operator_client.post(deactivate).status_code == 302
        device = signed_in_device(librarian)
        page = device.get("/staff/").content.decode()
        assert "There" in page and "Here" not in page
        assert device.post("/staff/library/switch/", {"library_id": here.pk}).status_code == 404

    def test_twice_is_told_and_changes_nothing(self, operator_client, network, library_factory, librarian_factory):
        library = library_factory(network=network)
        librarian = librarian_factory(library=library, first_name="Māra", last_name="Ozola")
        deactivate, reactivate = self.urls(library, librarian)
        operator_client.post(deactivate)
        again = operator_client.post(deactivate, follow=True).content.decode()
        assert "Māra Ozola is already deactivated in this library." in again
        assert Event.objects.filter(kind=Event.Kind.LIBRARIAN_DEACTIVATED).count() == 1
        operator_client.post(reactivate)
        assert "Māra Ozola is already active" in operator_client.post(reactivate, follow=True).content.decode()

    def test_another_network_s_librarian_is_not_found(self, operator_client, librarian_factory):
        librarian = librarian_factory()
        library = librarian.staff_memberships.get().library
        deactivate, _ = self.urls(library, librarian)
        assert operator_client.post(deactivate).status_code == 404
        assert librarian.staff_memberships.get().deactivated_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("same_network", [True, False])
def test_a_librarian_of_another_library_is_not_found_under_ours(
    operator_client, network, library_factory, librarian_factory, same_network
):
    """Our library in the address with someone else's librarian: 404 for both actions, nothing changed."""
    ours = library_factory(network=network)
    theirs = library_factory(network=network) if same_network else library_factory()
    stranger = librarian_factory(library=theirs)
    for action in ("deactivate", "reactivate"):
        url = f"/operator/libraries/{ours.pk}/librarians/{stranger.pk}/{action}/"
        assert operator_client.post(url).status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active and stranger.staff_memberships.get().deactivated_at is None
    assert not Event.objects.filter(subject_user=stranger, kind=Event.Kind.LIBRARIAN_DEACTIVATED).exists()
