"""Shared fixtures: factories, a real SMTP server (aiosmtpd) and a real task worker."""

import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client

from abonement.settings import mailers_from_url
from abonement.testing.factories import (
    CardFactory,
    LibrarianFactory,
    LibraryFactory,
    NetworkFactory,
    OperatorFactory,
    TitleFactory,
    UserFactory,
)


@pytest.fixture
def network_factory(db):
    return NetworkFactory


@pytest.fixture
def library_factory(db):
    return LibraryFactory


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def librarian_factory(db):
    return LibrarianFactory


@pytest.fixture
def operator_factory(db):
    return OperatorFactory


@pytest.fixture
def card_factory(db):
    return CardFactory


@pytest.fixture
def title_factory(db):
    return TitleFactory


class _Mailbox:
    """Collects what a real SMTP conversation delivered."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def bodies(self):
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost; settings point Django's SMTP backend at it."""
    mailbox = _Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{port}?timeout=5")
    mailbox.controller = controller
    mailbox.port = port
    yield mailbox
    controller.stop()


@pytest.fixture
def run_worker(transactional_db):
    """Run the real django-tasks-db worker until no task is ready (what `abonement worker` does)."""

    def run():
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    return run


@pytest.fixture
def client():
    """Django's test client speaking English (the site's default language is Russian)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")
