"""Parsing and formatting SIP2 messages, with no database and no socket."""

import pytest

from abonement.sip2 import protocol


def with_checksum(text: str) -> bytes:
    data = text.encode()
    return data + protocol.checksum(data).encode()


def test_checksum_of_the_spec_example():
    # The worked example in the sip2 client's source (Sip2 1.1, _crc_calc), computed independently of ours.
    msg = b"09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"
    assert protocol.checksum(msg) == "EB80"


def test_parses_fixed_and_variable_fields_with_sequence():
    message = protocol.parse(with_checksum("2300020261124    100000AOCENTRAL|AAK1001|ADsecret|AY4AZ"))
    assert message.command == "23"
    assert message.fixed == {"language": "000", "transaction_date": "20261124    100000"}
    assert message.get("AA") == "K1001" and message.get("AD") == "secret" and message.get("AO") == "CENTRAL"
    assert message.sequence == "4"


def test_bad_checksum_is_refused():
    good = with_checksum("9900802.00AY1AZ")
    bad = good[:-1] + (b"0" if good[-1:] != b"0" else b"1")
    with pytest.raises(protocol.ChecksumMismatch):
        protocol.parse(bad)


def test_checksum_without_leading_zeros_is_compared_by_value():
    data = b"9900802.00AY1AZ"
    value = protocol.checksum(data)
    assert protocol.parse(data + value.lstrip("0").encode()).command == "99"


@pytest.mark.parametrize(
    "raw",
    [b"", b"X", b"42", b"11YN2026", b"23000", b"\xff\xfe\x00", b"2300020261124    100000aa|", b"17\x01" + b"1" * 18],
)
def test_malformed_messages_raise_protocol_error(raw):
    with pytest.raises(protocol.ProtocolError):
        protocol.parse(raw)


def test_charsets_decode_and_encode():
    text = "2300020261124    100000AAК1001|"
    assert protocol.parse(text.encode("cp1251"), charset="cp1251").get("AA") == "К1001"
    with pytest.raises(protocol.ProtocolError):
        protocol.parse("2300020261124    100000AAĀ|".encode("cp1257"), charset="utf-8")
    out = protocol.format_message("24", "", [("AE", "Jānis")], sequence=None, charset="cp1257")
    assert out == "24AEJānis|".encode("cp1257") + b"\r"


def test_response_carries_sequence_and_a_checksum_that_adds_to_zero():
    out = protocol.format_message("94", "1", [("AF", "a|b")], sequence="7")
    assert out.startswith(b"941AFa b|AY7AZ") and out.endswith(b"\r")
    body, check = out[:-5], out[-5:-1]
    assert (sum(body) + int(check, 16)) & 0xFFFF == 0


def test_resend_has_a_valid_checksum():
    assert protocol.resend() == b"96AZFEF6\r"  # 0x39 + 0x36 + 0x41 + 0x5A = 0x10A; -0x10A & 0xFFFF = 0xFEF6
