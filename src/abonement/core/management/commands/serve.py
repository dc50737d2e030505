import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the site. DEBUG: Django's server plus one background worker. Otherwise gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")

    def handle(self, *args, **options):
        worker = None
        if not options["no_worker"]:
            # The embedded setup (SQLite, one machine) needs no other service: the worker runs beside the site.
            worker = subprocess.Popen([sys.executable, "-m", "abonement.cli", "worker"])  # noqa: S603
        sip_server = None
        if settings.DEBUG:
            # The demo's kiosk account can be tried at once with a SIP2 client on 127.0.0.1:6001.
            sip_server = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "abonement.cli", "sipserver", "--bind", "127.0.0.1:6001"]
            )
        try:
            if settings.DEBUG:
                call_command("runserver", options["bind"], use_reloader=False)
            else:
                call_command("collectstatic", interactive=False, verbosity=0)
                subprocess.run(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "abonement.wsgi",
                        "--bind",
                        options["bind"],
                        "--workers",
                        str(options["workers"]),
                        "--access-logfile",
                        "-",
                    ],
                    check=True,
                )
        finally:
            for process in (worker, sip_server):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
