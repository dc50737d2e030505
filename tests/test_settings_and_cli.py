import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from abonement.accounts.models import User
from abonement.core.demo import DEMO_PASSWORD, load_demo
from abonement.libraries.models import Library, Network
from abonement.readers.models import Card

CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}


def import_settings(**env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import abonement.settings as s; print(s.DATABASES['default']['ENGINE'])"],
        env={**CLEAN_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret():
    result = import_settings()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_weak_secret():
    result = import_settings(SECRET_KEY="short")
    assert result.returncode != 0 and "too weak" in result.stderr


def test_production_starts_with_a_real_secret_and_database_url(tmp_path):
    result = import_settings(SECRET_KEY="x" * 50, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"
    pg = import_settings(SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@localhost:5432/x")
    assert pg.stdout.strip() == "django.db.backends.postgresql"


def test_bad_email_url_is_a_clear_configuration_error():
    result = import_settings(SECRET_KEY="x" * 50, EMAIL_URL="carrier-pigeon://coop")
    assert result.returncode != 0 and "EMAIL_URL scheme" in result.stderr


def test_abonement_command_is_installed_and_lists_its_verbs():
    result = subprocess.run(  # noqa: S603
        [os.path.join(os.path.dirname(sys.executable), "abonement"), "help"],
        env={**CLEAN_ENV, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for verb in ("demo", "serve", "createoperator", "worker", "db_worker", "migrate"):
        assert verb in result.stdout


@pytest.mark.django_db
def test_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo")
    assert not Library.objects.exists()


@pytest.mark.django_db
def test_demo_is_idempotent_and_has_the_documented_accounts(settings, client):
    settings.DEBUG = True
    call_command("demo")
    counts = (Network.objects.count(), Library.objects.count(), User.objects.count(), Card.objects.count())
    load_demo()
    assert (Network.objects.count(), Library.objects.count(), User.objects.count(), Card.objects.count()) == counts
    assert Library.objects.filter(parent__isnull=False).count() == 1
    for login, home in (
        ("operator", "/operator/"),
        ("librarian", "/staff/"),
        ("librarian2", "/staff/"),
        ("1000001", "/my/"),
    ):
        client.logout()
        assert client.post("/login/", {"identifier": login, "password": DEMO_PASSWORD}).status_code == 302
        assert client.get("/").url == home


@pytest.mark.django_db
def test_createoperator(capsys):
    call_command("createoperator", "olga", email="olga@example.org", network="kostroma")
    out = capsys.readouterr().out
    assert "Operator olga of network kostroma created" in out
    assert Network.objects.get(slug="kostroma").operators.filter(username="olga").exists()
    with pytest.raises(CommandError, match="taken"):
        call_command("createoperator", "olga", email="other@example.org", network="kostroma")


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert client.get("/api/v1/health").json()["status"] == "ok"
    assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.django_db
def test_stable_urls_answer(client):
    assert client.get("/login/").status_code == 200
    assert client.get("/catalog/?q=книга").status_code == 200
    for protected in ("/staff/", "/operator/", "/my/"):
        response = client.get(protected)
        assert response.status_code == 302 and response.url.startswith("/login/")
    assert client.get("/no-such-page/").status_code == 404


@pytest.mark.django_db
def test_catalog_survives_hostile_queries(client):
    for query in ("x" * 2000, '"*-NEAR(', "'; DROP TABLE x; --", "📚", ""):
        assert client.get("/catalog/", {"q": query}).status_code == 200
