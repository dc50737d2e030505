"""CI runs the suite on SQLite and on PostgreSQL; this proves which one actually ran (no silent skip)."""

import os

from django.db import connection


def test_suite_runs_on_the_expected_database(db):
    expected = os.environ.get("ABONEMENT_EXPECT_DB", "sqlite")
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


def test_sqlite_uses_wal_and_immediate_transactions(settings):
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor != "sqlite":
        assert "transaction_mode" not in options
        return
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"] and options["timeout"] >= 5
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
