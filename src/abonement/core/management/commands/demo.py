from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from abonement.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo data (development only; refuses to run when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data has public passwords: run it only with DEBUG=1.")
        load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Logins: operator, librarian, librarian2, reader card 1000001, admin, "
                f"public library readers 2000001-2000005; "
                f"password {DEMO_PASSWORD}."
            )
        )
