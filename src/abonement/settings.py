"""Settings come from the environment so one build runs embedded (SQLite) or scaled (PostgreSQL).

DEBUG         "1" turns on development mode (demo data allowed, console e-mail by default)
SECRET_KEY    required when DEBUG is off
DATABASE_URL  sqlite:///path (default: var/abonement.sqlite3) or postgres://user@host:5432/db
ALLOWED_HOSTS comma separated
EMAIL_URL     smtp://user:password@host:587?tls=1 | smtps://… | console:// (default console in DEBUG)
DEFAULT_FROM_EMAIL, SITE_URL (used in links inside e-mails), TIME_ZONE
ADMINS        "Name <a@example.org>, b@example.org": who gets a mail with the traceback of every server error
SERVER_EMAIL  the sender of those mails (default DEFAULT_FROM_EMAIL)
SECURE_HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD, SECURE_SSL_REDIRECT: with an https SITE_URL
"""

import os
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ABONEMENT_DATA_DIR", Path.cwd() / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production"  # noqa: S105 — refused in production below
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (production).")
    SECRET_KEY = _DEV_SECRET
elif not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use at least 32 random characters.")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",  # serves Swagger UI for /api/v1/docs from our static files, not from a public CDN
    "abonement.core",
    "abonement.accounts",
    "abonement.libraries",
    "abonement.readers",
    "abonement.catalog",
    "abonement.catalog.search",
    "abonement.circulation",
    "abonement.collections",
    "abonement.notifications",
    "abonement.reports",
    "abonement.reading",
    "abonement.api",
    "abonement.opds",
    "abonement.sip2",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "abonement.core.middleware.DomainErrorMiddleware",
    "abonement.reports.middleware.VisitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "abonement.urls"
WSGI_APPLICATION = "abonement.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "abonement.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'abonement.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing half-way with "database is locked".
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Cache (login throttling); the database cache is shared by every web process ---------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "abonement_cache",
        # Django's default (300 rows, then a third deleted in key order) would let a few hundred addresses
        # failing once each wash out the per-account login counters. Every failure costs a slow hash, so
        # far fewer counters than this are live in a window; expired rows still go at each cull.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["abonement.accounts.backends.LoginBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Everything the pages use is ours: scripts and styles are static files (no inline <script>, style="" or
# on* handlers), so an injected one does not run. Also in DEBUG, so a violation shows up while developing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if SITE_URL.startswith("https://") and not DEBUG:
    # Served over HTTPS, by gunicorn behind a TLS proxy (nginx, Caddy…) that sets X-Forwarded-Proto and drops
    # what clients send in it. The health checks stay reachable over plain HTTP for monitors inside.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^api/v1/health$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Asking browsers to preload the host is its owner's decision (hstspreload.org), hence opt-in.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # every password a person chooses
    "abonement.accounts.hashers.GeneratedPasswordHasher",  # system-generated ones, upgraded at first login
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
MAX_STAFF_SESSIONS = 5
LOGIN_THROTTLE = {
    # failures counted in a sliding window; the per-IP limit is high on purpose: a whole class of
    # children shares one school IP and must not be locked out by a few typos.
    "window_seconds": 15 * 60,
    "per_account": 8,
    "per_ip": 200,
}
PASSWORD_RESET_THROTTLE = {
    # links e-mailed per account, and requests (for any login, known or not) per IP, in the window
    "window_seconds": 60 * 60,
    "per_account": 3,
    "per_ip": 50,
}

# --- SIP2 kiosks (issue #15) ----------------------------------------------------------------
# TLS when both paths are set; a kiosk silent for SIP2_IDLE_SECONDS is disconnected; a longer line is refused.
SIP2_TLS_CERT = os.environ.get("SIP2_TLS_CERT", "")
SIP2_TLS_KEY = os.environ.get("SIP2_TLS_KEY", "")
SIP2_IDLE_SECONDS = int(os.environ.get("SIP2_IDLE_SECONDS", 5 * 60))
SIP2_MAX_LINE = int(os.environ.get("SIP2_MAX_LINE", 4096))
SIP2_DB_THREADS = int(os.environ.get("SIP2_DB_THREADS", 8))

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("lv", _("Latvian")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Riga")

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"


# --- E-mail and SMS -------------------------------------------------------------------------
def mailers_from_url(url: str) -> dict:
    """EMAIL_URL → Django's MAILERS setting."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    simple = {"console": "console", "locmem": "locmem"}
    if parts.scheme in simple:
        return {"default": {"BACKEND": f"django.core.mail.backends.{simple[parts.scheme]}.EmailBackend"}}
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be smtp, smtps or console, not {parts.scheme!r}")
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or (465 if parts.scheme == "smtps" else 25),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": parts.scheme == "smtps",
                "use_tls": query.get("tls", "0") in {"1", "true"},
                "timeout": int(query.get("timeout", "20")),
            },
        }
    }


MAILERS = mailers_from_url(os.environ.get("EMAIL_URL", "console://" if DEBUG else "smtp://localhost:25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Abonement <noreply@abonement.local>")
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "abonement.notifications.sms.LogSmsGateway")
NOTICE_MAX_ATTEMPTS = 8


def admins_from_env(value: str) -> list[str]:
    """ADMINS="Name <a@example.org>, b@example.org" → Django's ADMINS (a list of addresses)."""
    if not value.strip():
        return []
    admins = []
    for name, address in getaddresses([value]):
        try:
            # The standard library parses strictly and answers ("", "") for what is not an address.
            if "@" not in address:
                raise ValueError(address)
            admins.append(str(Address(display_name=name, addr_spec=address)))
        except (HeaderParseError, ValueError, IndexError):
            raise ImproperlyConfigured(
                f'ADMINS must be e-mail addresses separated by commas ("Name <a@example.org>, b@example.org"), '
                f"not {value!r}."
            ) from None
    return admins


ADMINS = admins_from_env(os.environ.get("ADMINS", ""))
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"production": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        # Django's own console handler prints only in DEBUG; in production a server error would leave no
        # traceback anywhere. This one writes it to stderr, which gunicorn (or systemd) keeps.
        "errors": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": "ERROR",
            "filters": ["production"],
        },
    },
    "loggers": {
        "abonement": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        # Propagates to Django's "django" logger, whose mail_admins handler mails ADMINS in production.
        "django.request": {"handlers": ["errors"]},
    },
}
