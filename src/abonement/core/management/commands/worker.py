from django.core.management import call_command
from django.core.management.base import BaseCommand

from abonement.circulation.tasks import schedule_expiry


class Command(BaseCommand):
    help = "Run the background worker: deliver notices, end due loans every minute (django-tasks-db worker)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Process what is due, then exit.")

    def handle(self, *args, batch=False, **options):
        schedule_expiry()
        call_command("db_worker", batch=batch, verbosity=options["verbosity"])
