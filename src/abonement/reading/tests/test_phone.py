"""Read on my phone (SPEC L8): the link comes through the outbox, the QR decodes back to it (zbarimg), it signs
the reader in once within 15 minutes, and using it again asks for the password."""

import base64
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.test import Client

from abonement.circulation import services as circulation
from abonement.core import clock
from abonement.notifications.models import Notice
from abonement.reading import phone
from abonement.reading.tests.conftest import signed_in


@pytest.fixture
def loan(card, ebook):
    return circulation.take(card=card, title=ebook)


def send(client, title, tmp_path):
    response = client.post(f"/read/titles/{title.pk}/phone/")
    assert response.status_code == 200
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', response.content.decode()).group(1))
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "the QR test needs zbarimg (apt-get install -y zbar-tools; ./dev test installs it as root)"
    decoded = subprocess.run(  # noqa: S603 — a fixed decoder on our own PNG
        [zbarimg, "--raw", "-q", str(path)], capture_output=True, text=True, check=True
    )
    return decoded.stdout.strip()


@pytest.mark.django_db
class TestReadOnMyPhone:
    def test_the_qr_and_the_email_carry_the_link_that_opens_the_book_once(self, card, loan, ebook, tmp_path):
        card.user.email = "reader@example.org"
        card.user.save(update_fields=["email"])
        url = send(signed_in(card.user), ebook, tmp_path)
        notice = Notice.objects.get(kind="read_on_phone")
        assert notice.to == "reader@example.org" and url in notice.body
        path = url.removeprefix("http://127.0.0.1:8000")
        phone_client = Client(HTTP_ACCEPT_LANGUAGE="en")
        opened = phone_client.get(path)
        assert opened.status_code == 302 and opened["Location"] == f"/read/loans/{loan.pk}/"
        assert phone_client.get(opened["Location"]).status_code == 200  # signed in as the reader
        again = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
        assert again.status_code == 302 and again["Location"].startswith("/login/")

    def test_sms_when_the_reader_has_only_a_phone(self, card, ebook, tmp_path):
        card.user.email, card.user.phone = None, "+37120000001"
        card.user.save(update_fields=["email", "phone"])
        url = send(signed_in(card.user), ebook, tmp_path)
        notice = Notice.objects.get(kind="read_on_phone_sms")
        assert notice.channel == Notice.Channel.SMS and url in notice.body

    def test_a_link_older_than_15_minutes_asks_for_the_password(self, card, ebook):
        card.user.email = "reader@example.org"
        card.user.save(update_fields=["email"])
        url = phone.send_link(user=card.user, title=ebook, now=clock.now() - timedelta(minutes=16))
        response = Client().get(url.removeprefix("http://127.0.0.1:8000"))
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_without_email_or_phone_a_clear_refusal(self, card, ebook):
        card.user.email = card.user.phone = None
        card.user.save(update_fields=["email", "phone"])
        response = signed_in(card.user).post(f"/read/titles/{ebook.pk}/phone/")
        assert response.status_code == 400 and "e-mail or a phone number" in response.content.decode()
