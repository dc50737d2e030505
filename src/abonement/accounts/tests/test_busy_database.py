"""Signing in while another connection holds the database's write lock (a long import or export).

The throttle's counters live in the database cache, so they cannot be written either. The answer is a clear
503 "try again", never a 500, and once the writer is done everything works again.

SQLite: a second connection to the test database file holds BEGIN IMMEDIATE; ours waits 0.2 s, not 20.
PostgreSQL: a second connection holds EXCLUSIVE locks on the tables a sign-in writes (reads still pass, as
with SQLite's WAL); ours gives up after a 0.2 s lock timeout.
"""

import sqlite3
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from abonement.accounts.models import TrackedSession
from abonement.core.models import Event
from abonement.notifications.models import Notice
from abonement.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

BUSY = "The system is busy right now. Please try again in a minute."
TABLES_A_SIGN_IN_WRITES = [
    settings.CACHES["default"]["LOCATION"],
    Event._meta.db_table,
    TrackedSession._meta.db_table,
    "django_session",
    "accounts_user",
]


@contextmanager
def database_write_locked(tables=TABLES_A_SIGN_IN_WRITES):
    """SQLite locks the whole database; PostgreSQL only `tables` (reads pass, as with SQLite's WAL)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        connection.connection.execute("PRAGMA busy_timeout = 200")
    else:
        holder = connections.create_connection("default")
        holder.ensure_connection()
        holder = holder.connection
        holder.execute("BEGIN")
        holder.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()
        connection.close()  # the next query reconnects with the usual timeouts


def login(client, identifier, password=TEST_PASSWORD):
    return client.post("/login/", {"identifier": identifier, "password": password})


@pytest.mark.parametrize("password", [TEST_PASSWORD, "wrong-password"], ids=["right", "wrong"])
def test_sign_in_answers_busy_while_the_database_is_locked(card_factory, password):
    card = card_factory()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with database_write_locked():
        response = login(client, card.number, password)
    assert response.status_code == 503
    assert BUSY in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not TrackedSession.objects.exists()
    # the writer is done: the same login works
    assert login(client, card.number).status_code == 302
    assert client.get("/my/").status_code == 200


def test_busy_page_is_translated(card_factory):
    card = card_factory()
    with database_write_locked():
        response = login(Client(HTTP_ACCEPT_LANGUAGE="lv"), card.number)
    assert response.status_code == 503
    assert "Sistēma šobrīd ir aizņemta" in response.content.decode()


def test_password_reset_answers_busy_while_the_database_is_locked(card_factory):
    card = card_factory(user__email="pupil@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with database_write_locked():
        response = client.post("/password/reset/", {"identifier": card.number})
    assert response.status_code == 503
    assert BUSY in response.content.decode()
    assert not Notice.objects.exists()
    assert client.post("/password/reset/", {"identifier": card.number}).status_code == 200
    assert Notice.objects.filter(kind="password_reset").count() == 1


def test_sign_out_answers_busy_and_keeps_the_session_while_the_database_is_locked(card_factory):
    card = card_factory()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert login(client, card.number).status_code == 302
    with database_write_locked():
        response = client.post("/logout/")
    assert response.status_code == 503
    assert BUSY in response.content.decode()
    assert client.get("/my/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/my/").status_code == 302
