"""The one source of time. Services take `now=` so tests never sleep."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
