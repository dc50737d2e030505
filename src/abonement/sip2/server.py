"""The SIP2 TCP server: asyncio for the sockets, a thread pool for the (synchronous) Django ORM.

asyncio rather than a thread per connection: kiosks keep their connection open all day and mostly sit idle, so
hundreds of idle sockets cost a coroutine each, not a thread each; only the database work of a message takes one
of `SIP2_DB_THREADS` threads. Nothing but the connection's own session is kept in memory, so several server
processes may run against one database.
"""

import asyncio
import logging
import ssl
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

from abonement.sip2 import handlers, protocol

log = logging.getLogger("abonement.sip2")


def _tls_context() -> ssl.SSLContext | None:
    if not settings.SIP2_TLS_CERT:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.SIP2_TLS_CERT, settings.SIP2_TLS_KEY or None)
    return context


def _handle_in_thread(session: handlers.Session, raw: bytes) -> bytes | None:
    close_old_connections()  # a connection the database dropped is replaced, as between web requests
    try:
        return handlers.handle(session, raw)
    except handlers.NotLoggedIn:
        return None
    except Exception:  # one bad message must never take the server down; the kiosk is told to resend
        log.exception("SIP2 message failed")
        return protocol.resend()


class Server:
    def __init__(self, *, idle_seconds: float | None = None, max_line: int | None = None, threads: int | None = None):
        self.idle_seconds = idle_seconds or settings.SIP2_IDLE_SECONDS
        self.max_line = max_line or settings.SIP2_MAX_LINE
        self.pool = ThreadPoolExecutor(max_workers=threads or settings.SIP2_DB_THREADS, thread_name_prefix="sip2-db")
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int) -> int:
        self.server = await asyncio.start_server(
            self._connection, host, port, ssl=_tls_context(), limit=self.max_line + 2, backlog=1024
        )
        return self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in list(self.writers):  # wait_closed() waits for every open connection
                writer.close()
            await self.server.wait_closed()
        self.pool.shutdown(wait=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        session = handlers.Session(ip=peer[0] if peer else None)
        loop = asyncio.get_running_loop()
        self.writers.add(writer)
        try:
            while True:
                try:
                    line = await asyncio.wait_for(reader.readuntil(protocol.TERMINATOR), self.idle_seconds)
                except asyncio.LimitOverrunError:
                    log.info("SIP2 line over %d bytes from %s: closed", self.max_line, peer)
                    break
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    break
                line = line.strip(b"\r\n")
                if not line:
                    continue
                response = await loop.run_in_executor(self.pool, _handle_in_thread, session, line)
                if response is None:
                    break
                writer.write(response)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self.writers.discard(writer)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, ssl.SSLError):
                pass


def serve_forever(host: str, port: int) -> None:
    async def main():
        server = Server()
        bound = await server.start(host, port)
        log.warning("SIP2 server listening on %s:%d%s", host, bound, " (TLS)" if settings.SIP2_TLS_CERT else "")
        try:
            await server.server.serve_forever()
        finally:
            await server.close()

    asyncio.run(main())
