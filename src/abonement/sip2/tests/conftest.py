"""A real SIP2 server on a real socket, started in the test process against the test database."""

import asyncio
import threading

import pytest

from abonement.sip2 import services
from abonement.sip2.server import Server

KIOSK_PASSWORD = "kiosk-pass-1"  # noqa: S105


class RunningServer:
    def __init__(self, **options):
        self.loop = asyncio.new_event_loop()
        self.server = Server(**options)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self.server.start("127.0.0.1", 0), self.loop).result(10)

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def sip_server(transactional_db):
    running = RunningServer(idle_seconds=30, threads=4)
    yield running
    running.stop()


@pytest.fixture
def kiosk_library(library_factory):
    return library_factory(name="Central", language="en", currency="EUR", debtor_fine_threshold=500, max_on_hand=3)


@pytest.fixture
def kiosk(kiosk_library):
    return services.create_account(
        library=kiosk_library, login="kiosk1", password=KIOSK_PASSWORD, institution_id="CENTRAL", may_pay=True
    )
