"""Malformed input, huge lines, disconnects and idle connections: the server never crashes and still answers."""

import socket
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abonement.sip2 import protocol
from abonement.sip2.tests.conftest import RunningServer

GOOD = b"9900802.00AY1AZ" + protocol.checksum(b"9900802.00AY1AZ").encode() + b"\r"


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def answers_login(port: int) -> bool:
    with connect(port) as sock:
        sock.sendall(b"9300CNnobody|COx|CPX|AY0AZ" + protocol.checksum(b"9300CNnobody|COx|CPX|AY0AZ").encode() + b"\r")
        return sock.recv(100).startswith(b"940")


def test_fuzzed_messages_never_crash_the_server(sip_server):
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    # A blank line is skipped without an answer (kiosks send CR LF), so every case has something to answer.
    @given(
        (st.binary(max_size=300) | st.text(max_size=200).map(str.encode)).filter(
            lambda d: d.replace(b"\r", b"").strip(b"\n")
        )
    )
    def one(data):
        with connect(sip_server.port) as sock:
            sock.sendall(data.replace(b"\r", b"") + b"\r")
            reply = sock.recv(100)
            assert reply == b"" or reply.endswith(b"\r")

    one()
    assert answers_login(sip_server.port)


def test_a_one_megabyte_line_and_a_disconnect_mid_message(sip_server):
    with connect(sip_server.port) as sock:
        try:
            sock.sendall(b"23" + b"x" * 1_000_000)
            assert sock.recv(100) == b""  # over SIP2_MAX_LINE: closed, not buffered
        except ConnectionError:
            pass
    with connect(sip_server.port) as sock:
        sock.sendall(b"2300020261124    10")
    assert answers_login(sip_server.port)


def test_idle_connections_are_closed_and_do_not_block_new_ones(transactional_db):
    running = RunningServer(idle_seconds=1, threads=2)
    try:
        idle = [connect(running.port) for _ in range(200)]
        assert answers_login(running.port)
        time.sleep(1.5)
        assert idle[0].recv(10) == b"" and idle[-1].recv(10) == b""
        for sock in idle:
            sock.close()
    finally:
        running.stop()
