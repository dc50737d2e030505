"""Settings for the test suite: the real settings with a fixed secret and a fast password hasher.

The slow default hasher stays the production choice (see docs/decisions/); tests hash hundreds of
passwords and would spend minutes doing it.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("EMAIL_URL", "locmem://")

from abonement.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "abonement.accounts.hashers.GeneratedPasswordHasher",
]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared-cache in-memory database: threads of the concurrency tests then use real,
    # separate connections with WAL and the busy timeout, as production does. One name per test process, so
    # parallel runs on this machine do not meet; Django deletes it at the end of the run.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"abonement-test-{os.getpid()}.sqlite3"),
    }
elif os.environ.get("ABONEMENT_TEST_DB"):
    # Several engineers' runs on one PostgreSQL server each name their own test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["ABONEMENT_TEST_DB"]}  # noqa: F405
