"""Every shipped string is translated to Russian and Latvian, and the committed .mo files match the .po."""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client

LOCALE = Path(__file__).resolve().parents[1] / "src" / "abonement" / "locale"
LANGUAGES = ["ru", "lv"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {language}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    with open(folder / "django.mo", "rb") as handle:
        mo = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert mo.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0], entry.msgid
        elif entry.msgctxt:
            assert mo.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert mo.gettext(entry.msgid) == entry.msgstr, f"stale .mo for {entry.msgid!r}: run msgfmt"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "sign_in", "forgot"),
    [
        ("ru", "Войти", "Забыли пароль?"),
        ("lv", "Ienākt", "Aizmirsāt paroli?"),
        ("en", "Sign in", "Forgot your password?"),
    ],
)
def test_login_page_in_each_language(language, sign_in, forgot):
    html = Client(HTTP_ACCEPT_LANGUAGE=language).get("/login/").content.decode()
    assert f'<html lang="{language}">' in html
    assert sign_in in html and forgot in html


@pytest.mark.django_db
def test_language_switch_is_remembered_for_a_signed_in_person(card_factory):
    card = card_factory(user__language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/login/", {"identifier": card.number, "password": "correct-horse-42"})
    response = client.post("/i18n/setlang/", {"language": "lv", "next": "/my/"})
    assert response.status_code == 302 and response.url == "/my/"
    assert '<html lang="lv">' in client.get("/my/").content.decode()
    card.user.refresh_from_db()
    assert card.user.language == "lv"


def test_every_marked_string_is_in_the_catalogs(tmp_path):
    """Strings are added to the .po files by hand: extract them as `makemessages` does, from a copy of the
    source, and fail on any that has no translation there (a new msgid, or one gettext could only guess)."""
    source = LOCALE.parent
    copy = tmp_path / "abonement"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    subprocess.run(  # noqa: S603 — our own django-admin on a copy of our source
        # django-admin, not `python -m django`: with the copy as the working directory its `collections` app
        # would hide the standard library's
        [Path(sys.executable).parent / "django-admin", "makemessages", "-l", "ru", "-l", "lv"]
        + ["-i", "testing/*", "-i", "*/tests/*"],
        cwd=copy,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "abonement.settings_test"},
        check=True,
        capture_output=True,
    )
    for language in LANGUAGES:
        po = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
        assert not missing, f"not translated to {language}: {missing[:20]} ({len(missing)} in all)"
