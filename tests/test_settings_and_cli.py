import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from abonement.accounts.models import User
from abonement.core.checks import demo_accounts_in_production
from abonement.core.demo import DEMO_PASSWORD, demo_accounts, load_demo
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


PRODUCTION_SECRET = "production-test-secret-0123456789abcdefghijklmnop"  # noqa: S105
ABONEMENT = os.path.join(os.path.dirname(sys.executable), "abonement")


def run_production(args: list[str], **env) -> subprocess.CompletedProcess:
    """Run a command with the production settings (DEBUG off) on this test's database.

    Its own process group: were it to start serving, the whole group (gunicorn too) is ended on timeout.
    """
    process = subprocess.Popen(  # noqa: S603
        args,
        env={
            **CLEAN_ENV,
            "DJANGO_SETTINGS_MODULE": "abonement.settings",
            "SECRET_KEY": PRODUCTION_SECRET,
            "DATABASE_URL": suite_database_url(),
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 15)
        process.communicate()
        pytest.fail(f"{args} kept running: it was expected to refuse to start")
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def suite_database_url() -> str:
    """The test database as a DATABASE_URL, for a subprocess to see what a transactional test committed."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


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


@pytest.mark.django_db(transaction=True)
def test_a_demo_database_is_not_served_without_debug(settings):
    settings.DEBUG = True
    load_demo()
    serve = run_production([ABONEMENT, "serve", "--no-worker", "--bind", "127.0.0.1:0"])
    assert serve.returncode != 0
    assert "core.E001" in serve.stderr and f"public password {DEMO_PASSWORD}" in serve.stderr
    assert "admin, librarian, librarian2, operator" in serve.stderr
    # gunicorn started by hand runs no system checks: the WSGI module refuses by itself.
    wsgi = run_production([sys.executable, "-c", "import abonement.wsgi"])
    assert wsgi.returncode != 0 and "Demo accounts with the public password" in wsgi.stderr
    # Real passwords for all of them end the refusal.
    for user in demo_accounts():
        user.set_password("a-real-password-chosen-by-staff")
        user.save()
    assert not demo_accounts().exists()
    wsgi = run_production([sys.executable, "-c", "import abonement.wsgi"])
    assert wsgi.returncode == 0, wsgi.stderr


@pytest.mark.django_db
def test_demo_accounts_check_only_in_production(settings):
    settings.DEBUG = True
    load_demo()
    assert demo_accounts().count() == 10  # staff, the school reader and the public library's five readers
    assert demo_accounts_in_production() == []
    settings.DEBUG = False
    assert [error.id for error in demo_accounts_in_production()] == ["core.E001"]


@pytest.mark.django_db
def test_demo_accounts_loaded_before_the_marker_are_found_by_their_password(settings):
    load_demo()
    User.objects.filter(username="librarian").update(password=make_password(DEMO_PASSWORD))  # a random salt
    User.objects.filter(username="operator").update(password=make_password("chosen-by-the-operator"))
    readers = ["2000001", "2000002", "2000003", "2000004", "2000005"]
    expected = ["1000001", *readers, "admin", "librarian", "librarian2"]
    assert sorted(demo_accounts().values_list("username", flat=True)) == expected
    settings.DEBUG = False
    assert f"1000001, {', '.join(readers)}, admin, librarian, librarian2." in demo_accounts_in_production()[0].msg


SERVER_ERROR = """
import sys, types
import django
django.setup()
from django.core import mail
from django.test import Client
from django.test.utils import override_settings
from django.urls import path

def broken(request):
    raise ZeroDivisionError("the shelf fell")

urls = types.ModuleType("broken_urls")
urls.urlpatterns = [path("broken/", broken)]
sys.modules["broken_urls"] = urls
with override_settings(ROOT_URLCONF="broken_urls"):
    print(Client(raise_request_exception=False).get("/broken/", HTTP_HOST="library.example.org").status_code)
for message in getattr(mail, "outbox", []):
    print("mailed", message.to, message.subject)
"""


def test_a_server_error_in_production_leaves_its_traceback_on_stderr_and_mails_admins(tmp_path):
    result = run_production(
        [sys.executable, "-c", SERVER_ERROR],
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        ALLOWED_HOSTS="library.example.org",
        EMAIL_URL="locmem://",
        ADMINS='Мария Иванова <maria@example.org>, "Bērziņa, Anna" <anna@example.org>, ops@example.org',
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("500\n")
    assert "ERROR django.request Internal Server Error: /broken/\nTraceback (most recent call last):" in result.stderr
    assert "ZeroDivisionError: the shelf fell" in result.stderr
    assert (
        "mailed ['Мария Иванова <maria@example.org>', '\"Bērziņa, Anna\" <anna@example.org>', 'ops@example.org'] "
        "[Django] ERROR (EXTERNAL IP): Internal Server Error: /broken/"
    ) in result.stdout


def test_without_admins_a_server_error_is_still_logged(tmp_path):
    result = run_production(
        [sys.executable, "-c", SERVER_ERROR],
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        ALLOWED_HOSTS="library.example.org",
        EMAIL_URL="locmem://",
    )
    assert result.stdout == "500\n" and "ZeroDivisionError: the shelf fell" in result.stderr


@pytest.mark.parametrize("admins", ["nobody", "ops@example.org, ops@", "Olga olga@example.org"])
def test_admins_that_are_not_addresses_are_a_clear_configuration_error(admins):
    result = import_settings(SECRET_KEY="x" * 50, ADMINS=admins)
    assert result.returncode != 0
    assert "ADMINS must be e-mail addresses separated by commas" in result.stderr and repr(admins) in result.stderr


@pytest.mark.django_db
def test_api_docs_load_swagger_ui_from_our_own_static_files(client, settings):
    # Staff machines in many library networks have no outside internet: nothing may come from a CDN.
    settings.WHITENOISE_USE_FINDERS = True  # serve static files without collectstatic, as in DEBUG
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.content.decode())
    assert {"/static/ninja/swagger-ui.css", "/static/ninja/swagger-ui-bundle.js"} <= set(assets)
    assert all(url.startswith("/static/") for url in assets), assets
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content), url


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy


def test_templates_have_no_inline_scripts_styles_or_handlers():
    # The policy allows neither: such a template would break in the browser (see tests/browser).
    inline = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    templates = list((Path(__file__).parents[1] / "src" / "abonement").rglob("templates/**/*.html"))
    assert len(templates) > 50
    assert [(t.name, inline.findall(t.read_text())) for t in templates if inline.search(t.read_text())] == []


def readme_production_environment() -> str:
    """The `export` lines of the README's production section, as the documented production environment."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("## Running on PostgreSQL with workers", 1)[1].split("```", 2)[1]
    exports = [line for line in section.splitlines() if line.startswith("export ")]
    assert any("SITE_URL=https://" in line for line in exports)
    return "\n".join(exports)


HTTPS_HEADERS = """
import django
django.setup()
from django.test import Client
plain = Client().get("/login/", HTTP_HOST="library.example.org")
print("http", plain.status_code, plain.get("Location"))
print("healthz", Client().get("/healthz", HTTP_HOST="library.example.org").status_code)
secure = Client().get("/login/", HTTP_HOST="library.example.org", HTTP_X_FORWARDED_PROTO="https")
print("https", secure.status_code, secure["Strict-Transport-Security"])
"""


@pytest.mark.django_db(transaction=True)
def test_the_documented_production_settings_pass_check_deploy_and_send_hsts(tmp_path):
    script = tmp_path / "https_headers.py"
    script.write_text(HTTPS_HEADERS)
    commands = (
        f"{readme_production_environment()}\n"
        f"export DATABASE_URL='{suite_database_url()}' ABONEMENT_DATA_DIR='{tmp_path}'\n"
        f"{ABONEMENT} check --deploy --fail-level WARNING && {sys.executable} {script}"
    )
    result = run_production(["bash", "-c", commands])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    lines = result.stdout.splitlines()[-3:]
    assert lines == [
        "http 301 https://library.example.org/login/",
        "healthz 200",
        "https 200 max-age=31536000; includeSubDomains",
    ]
