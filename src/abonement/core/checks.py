"""System checks: run before every management command (serve, worker, migrate) and by wsgi.py for gunicorn."""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError


@checks.register
def demo_accounts_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A database seeded by `abonement demo` has public passwords: never serve it with DEBUG off."""
    if settings.DEBUG:
        return []
    from abonement.core.demo import DEMO_PASSWORD, demo_accounts

    try:
        logins = sorted(demo_accounts().values_list("username", flat=True))
    except DatabaseError:
        # Not migrated yet or not reachable: then it holds no demo accounts, or the command reports the database.
        return []
    if not logins:
        return []
    return [
        checks.Error(
            f"Demo accounts with the public password {DEMO_PASSWORD} exist and DEBUG is off: {', '.join(logins)}.",
            hint="This database was loaded by `abonement demo`. Give each of them a real password "
            "(`abonement changepassword <login>`) or delete them, or use a new database; DEBUG=1 is for demos only.",
            id="core.E001",
        )
    ]
