import re

import pytest
from django.db import transaction
from django.test import Client

from abonement.accounts.codes import CODE_ATTEMPTS
from abonement.core.models import Event
from abonement.notifications.models import Notice
from abonement.readers import services
from abonement.readers.models import Card
from abonement.testing.factories import TEST_PASSWORD


def signed_in(card) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": card.number, "password": TEST_PASSWORD}).status_code == 302
    return client


@pytest.mark.django_db
class TestMerge:
    def test_one_login_shows_both_libraries_afterwards(self, card_factory, library_factory):
        school = card_factory(library=library_factory(name="Skola"), user__email=None)
        public = card_factory(library=library_factory(name="Pilsētas bibliotēka"), user__email="me@example.org")
        client = signed_in(school)
        response = client.post("/my/merge/", {"identifier": public.number, "password": TEST_PASSWORD})
        assert response.status_code == 302
        html = client.get("/my/").content.decode()
        assert "Skola" in html and "Pilsētas bibliotēka" in html
        public.refresh_from_db()
        public.user.refresh_from_db()
        assert public.user_id == school.user_id
        assert school.user.__class__.objects.get(pk=school.user_id).email == "me@example.org"
        # the other login now opens the merged account
        again = Client()
        assert again.post("/login/", {"identifier": public.number, "password": TEST_PASSWORD}).status_code == 302
        assert again.session["_auth_user_id"] == str(school.user_id)
        assert Event.objects.filter(kind=Event.Kind.ACCOUNTS_MERGED).count() == 1

    @pytest.mark.parametrize("case", ["wrong_password", "self", "staff"])
    def test_refused_merges_change_nothing(self, case, card_factory, librarian_factory):
        mine = card_factory()
        other = card_factory()
        identifier, password = other.number, TEST_PASSWORD
        if case == "wrong_password":
            password = "nope"
        elif case == "self":
            identifier = mine.number
        else:
            identifier = librarian_factory().username
        response = signed_in(mine).post("/my/merge/", {"identifier": identifier, "password": password})
        assert response.status_code == 400
        assert "cannot be merged" in response.content.decode()
        assert Card.objects.filter(user=mine.user).count() == 1
        assert not Event.objects.filter(kind=Event.Kind.ACCOUNTS_MERGED).exists()

    def test_merge_is_atomic(self, card_factory, monkeypatch):
        mine, other = card_factory(), card_factory()

        def boom(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(services, "end_all_sessions", boom)
        with pytest.raises(RuntimeError):
            services.merge_accounts(user=mine.user, identifier=other.number, password=TEST_PASSWORD)
        other.refresh_from_db()
        assert other.user_id != mine.user_id
        other.user.refresh_from_db()
        assert other.user.is_active


@pytest.mark.django_db
class TestBackupLogin:
    def test_email_confirmed_by_code_becomes_a_login(self, card_factory):
        card = card_factory(user__email=None)
        client = signed_in(card)
        response = client.post("/my/backup-login/", {"action": "send", "kind": "email", "email": "New@Example.org"})
        assert response.status_code == 302
        notice = Notice.objects.get(kind="contact_code")
        assert notice.to == "new@example.org"
        code = re.search(r"\b(\d{6})\b", notice.body).group(1)
        wrong = client.post(
            "/my/backup-login/", {"action": "confirm", "code": "000000" if code != "000000" else "111111"}
        )
        assert wrong.status_code == 400 and "The code is wrong" in wrong.content.decode()
        assert client.post("/my/backup-login/", {"action": "confirm", "code": code}).status_code == 302
        card.user.refresh_from_db()
        assert card.user.email == "new@example.org"
        assert Client().post("/login/", {"identifier": "new@example.org", "password": TEST_PASSWORD}).status_code == 302

    def test_phone_code_goes_by_sms(self, card_factory):
        card = card_factory(user__email=None)
        client = signed_in(card)
        client.post("/my/backup-login/", {"action": "send", "kind": "phone", "phone": "37120000009"})
        notice = Notice.objects.get(kind="contact_code")
        assert notice.channel == "sms" and notice.to == "+37120000009"

    def test_taken_contact_and_too_many_attempts(self, card_factory, user_factory):
        user_factory(email="taken@example.org")
        card = card_factory(user__email=None)
        client = signed_in(card)
        response = client.post("/my/backup-login/", {"action": "send", "kind": "email", "email": "taken@example.org"})
        assert response.status_code == 409 and "already exists" in response.content.decode()
        with transaction.atomic():
            services.start_contact_confirmation(user=card.user, kind="email", value="free@example.org")
        for _ in range(CODE_ATTEMPTS):
            client.post("/my/backup-login/", {"action": "confirm", "code": "999999"})
        code = re.search(r"\b(\d{6})\b", Notice.objects.get(to="free@example.org").body).group(1)
        assert client.post("/my/backup-login/", {"action": "confirm", "code": code}).status_code == 400
        card.user.refresh_from_db()
        assert card.user.email is None
