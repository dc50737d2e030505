"""SMS gateways. The default one only logs: an installation plugs in its provider by dotted path (SMS_GATEWAY)."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("abonement.sms")


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str) -> None:
        """Send one SMS or raise; a raised error makes the notice retry."""


class LogSmsGateway:
    def send(self, *, to: str, text: str) -> None:
        log.info("SMS to %s: %s", to, text)


def gateway() -> SmsGateway:
    return import_string(settings.SMS_GATEWAY)()
