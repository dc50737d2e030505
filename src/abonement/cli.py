"""The `abonement` command: Django's manage.py plus the project's own verbs.

abonement demo            load demo data (DEBUG only)
abonement serve           run the site (runserver + a worker in DEBUG, gunicorn otherwise)
abonement worker          deliver notices and run other background tasks
abonement sipserver       the SIP2 server for self-check kiosks (--bind 0.0.0.0:6001)
abonement createoperator  create an operator account for a network
abonement <django command>
"""

import os
import sys

ALIASES: dict[str, str] = {}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonement.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
