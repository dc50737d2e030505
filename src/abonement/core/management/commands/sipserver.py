from django.core.management.base import BaseCommand, CommandError

from abonement.sip2 import server


def parse_bind(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"--bind must be host:port, not {value!r}")
    return host, int(port)


class Command(BaseCommand):
    help = "Run the SIP2 server for self-check kiosks (issue #15)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="0.0.0.0:6001")  # noqa: S104 - kiosks are on the library's network

    def handle(self, *args, **options):
        host, port = parse_bind(options["bind"])
        try:
            server.serve_forever(host, port)
        except KeyboardInterrupt:
            pass
