"""SIP2 over TLS (SIP2_TLS_CERT, SIP2_TLS_KEY): a self-signed certificate made in the test with `openssl req`;
a kiosk logs in over TLS, and plain TCP to the TLS port gets no SIP2 answer."""

import socket
import ssl
import subprocess

import pytest

from abonement.sip2 import protocol
from abonement.sip2.tests.conftest import KIOSK_PASSWORD, RunningServer

LOGIN = b"9300CNkiosk1|CO" + KIOSK_PASSWORD.encode() + b"|CPCENTRAL|AY0AZ"
LOGIN += protocol.checksum(LOGIN).encode() + b"\r"


@pytest.fixture
def tls_server(transactional_db, settings, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 — fixed arguments, our own temporary files
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    settings.SIP2_TLS_CERT, settings.SIP2_TLS_KEY = str(cert), str(key)
    running = RunningServer(idle_seconds=30, threads=2)
    running.cert = cert
    yield running
    running.stop()


def test_a_login_over_tls_works(tls_server, kiosk):
    context = ssl.create_default_context(cafile=str(tls_server.cert))
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as sock:
            assert sock.version() in {"TLSv1.2", "TLSv1.3"}
            sock.sendall(LOGIN)
            assert sock.recv(100).startswith(b"941")


def test_plain_tcp_to_the_tls_port_gets_no_answer(tls_server, kiosk):
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=10) as sock:
        sock.sendall(LOGIN)
        try:
            reply = sock.recv(100)
        except ConnectionResetError:
            reply = b""
    assert not reply.startswith(b"94"), reply
    # and the server still serves TLS kiosks afterwards
    context = ssl.create_default_context(cafile=str(tls_server.cert))
    with context.wrap_socket(
        socket.create_connection(("127.0.0.1", tls_server.port), timeout=10), server_hostname="localhost"
    ) as sock:
        sock.sendall(LOGIN)
        assert sock.recv(100).startswith(b"941")
