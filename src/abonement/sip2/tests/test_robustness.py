"""Malformed input, huge lines, disconnects and idle connections: the server never crashes and still answers."""

import random
import socket
import time

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abonement.sip2 import protocol
from abonement.sip2.tests.conftest import RunningServer

GOOD = b"9900802.00AY1AZ" + protocol.checksum(b"9900802.00AY1AZ").encode() + b"\r"
HYPOTHESIS_CASES = 300
LOOP_CASES = 9_700  # with the hypothesis cases, 10,000 malformed messages
TEMPLATES = [
    b"9300CNkiosk1|COpass|CPCENTRAL|AY0",
    b"9900802.00AY1",
    b"11NN20261124    100000                  AOCENTRAL|AAK1001|ABKB0001|AC|AY2",
    b"63000" + b"20261124    100000" + b"Y         AOCENTRAL|AAK1001|AD|AY3",
    b"37" + b"20261124    100000" + b"0100EURBVx|AOCENTRAL|AAK1001|AY4",
]


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def answers_login(port: int) -> bool:
    with connect(port) as sock:
        sock.sendall(b"9300CNnobody|COx|CPX|AY0AZ" + protocol.checksum(b"9300CNnobody|COx|CPX|AY0AZ").encode() + b"\r")
        return sock.recv(100).startswith(b"940")


def test_fuzzed_messages_never_crash_the_server(sip_server):
    @settings(max_examples=HYPOTHESIS_CASES, deadline=None, suppress_health_check=list(HealthCheck))
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


def malformed(rng: random.Random) -> bytes:
    """A real request mutated (bytes flipped, cut, fields repeated, checksum wrong) or plain noise; never blank."""
    kind = rng.randrange(4)
    if kind == 0:
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    else:
        data = bytearray(rng.choice(TEMPLATES) + b"AZ" + b"%04X" % rng.randrange(0x10000))
        for _ in range(rng.randrange(1, 6)):
            at = rng.randrange(len(data))
            if kind == 1:
                data[at] = rng.randrange(256)
            elif kind == 2:
                data = data[:at] + bytes(rng.choice(b"|AZAY0123456789")) * rng.randrange(1, 40) + data[at:]
            else:
                data = data[: max(at, 1)]
    data = bytes(data).replace(b"\r", b"").strip(b"\n") or b"x"
    return data + b"\r"


@pytest.fixture
def forget_failed_logins():
    """The mangled logins count against 127.0.0.1 in the sign-in throttle, a cache table that outlives the test
    database flush, and later tests' kiosks log in from the same address."""
    yield
    cache.clear()


def test_ten_thousand_malformed_messages_in_all_over_a_few_connections(sip_server, forget_failed_logins):
    rng = random.Random(15)
    sock, connections_used, answered = connect(sip_server.port), 1, 0
    try:
        for _ in range(LOOP_CASES):
            try:
                sock.sendall(malformed(rng))
                reply = sock.recv(4096)
            except ConnectionError:
                reply = b""
            if reply:
                assert reply.endswith(b"\r"), reply
                answered += 1
            else:  # the server hung up on this one: carry on over a new connection
                sock.close()
                sock, connections_used = connect(sip_server.port), connections_used + 1
    finally:
        sock.close()
    assert answered > LOOP_CASES // 2, (answered, connections_used)
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
