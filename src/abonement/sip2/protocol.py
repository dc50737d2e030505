"""SIP2 (3M Standard Interchange Protocol 2.00) messages: parse and format, with no database and no sockets.

A message is a two-digit command, fixed-length fields, then variable fields (two-letter id, value, "|"), ended
by a carriage return. Error detection: "AY" (sequence number, one digit) and "AZ" (checksum, four hex digits) end
the message; the checksum is the two's complement of the 16-bit sum of the bytes up to and including "AZ".
A message whose checksum does not add up is answered with 96 (please resend), never guessed at.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

CHARSETS = ("utf-8", "cp1251", "cp1257")
TERMINATOR = b"\r"
RESEND = "96"

# The fixed part of every request the server answers: the command, then the fields in order with their lengths.
FIXED_FIELDS: dict[str, tuple[tuple[str, int], ...]] = {
    "93": (("uid_algorithm", 1), ("pwd_algorithm", 1)),
    "99": (("status_code", 1), ("max_print_width", 3), ("protocol_version", 4)),
    "63": (("language", 3), ("transaction_date", 18), ("summary", 10)),
    "23": (("language", 3), ("transaction_date", 18)),
    "17": (("transaction_date", 18),),
    "11": (("sc_renewal_policy", 1), ("no_block", 1), ("transaction_date", 18), ("nb_due_date", 18)),
    "09": (("no_block", 1), ("transaction_date", 18), ("return_date", 18)),
    "29": (("third_party_allowed", 1), ("no_block", 1), ("transaction_date", 18), ("nb_due_date", 18)),
    "65": (("transaction_date", 18),),
    "37": (("transaction_date", 18), ("fee_type", 2), ("payment_type", 2), ("currency_type", 3)),
    "35": (("transaction_date", 18),),
    "97": (),
}

_FIELD_ID = re.compile(r"[A-Z]{2}")
_CHECKSUM = re.compile(r"[0-9A-Fa-f]{1,4}")


class ProtocolError(ValueError):
    """The bytes are not a message this server can answer: the connection answers 96 or closes."""


class ChecksumMismatch(ProtocolError):
    pass


@dataclass
class Message:
    command: str
    fixed: dict[str, str] = field(default_factory=dict)
    fields: list[tuple[str, str]] = field(default_factory=list)
    sequence: str | None = None

    def get(self, field_id: str, default: str = "") -> str:
        for key, value in self.fields:
            if key == field_id:
                return value
        return default


def checksum(data: bytes) -> str:
    return f"{(-sum(data)) & 0xFFFF:04X}"


def parse(raw: bytes, *, charset: str = "utf-8") -> Message:
    """One message without its terminator. Raises `ChecksumMismatch` or `ProtocolError`.

    The checksum is compared by value: the `sip2` client on PyPI drops leading zeros ("A3F" for "0A3F").
    """
    raw = raw.rstrip(b"\r\n")
    at = raw.rfind(b"AZ")
    if at != -1 and _CHECKSUM.fullmatch(raw[at + 2 :].decode("ascii", "replace")):
        if int(raw[at + 2 :], 16) != int(checksum(raw[: at + 2]), 16):
            raise ChecksumMismatch("checksum does not match")
        raw = raw[:at]
        if raw.endswith(b"|"):
            raw = raw[:-1]
    try:
        text = raw.decode(charset)
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"not {charset}") from exc
    if any(ch < " " and ch != "\t" for ch in text):
        raise ProtocolError("control characters")
    command = text[:2]
    if command not in FIXED_FIELDS:
        raise ProtocolError("unknown command")
    position, fixed = 2, {}
    for name, length in FIXED_FIELDS[command]:
        value = text[position : position + length]
        if len(value) != length:
            raise ProtocolError(f"fixed field {name} is short")
        fixed[name] = value
        position += length
    message = Message(command=command, fixed=fixed)
    rest = text[position:]
    sequence = re.search(r"\|?AY(\d)$", rest)
    if sequence:
        message.sequence = sequence.group(1)
        rest = rest[: sequence.start()]
    for part in rest.split("|"):
        if not part:
            continue
        if not _FIELD_ID.fullmatch(part[:2]):
            raise ProtocolError("bad field id")
        message.fields.append((part[:2], part[2:]))
    return message


def sip_date(moment: datetime | None) -> str:
    """The 18-character date SIP uses: YYYYMMDDZZZZHHMMSS (zone blank for local time)."""
    return moment.strftime("%Y%m%d    %H%M%S") if moment else " " * 18


def flag(value: bool) -> str:
    return "Y" if value else "N"


def clean(value) -> str:
    """A variable field value: no field separator, no terminator, at most 255 characters."""
    return re.sub(r"[|\r\n]", " ", str(value))[:255]


def format_message(
    command: str, fixed: str, fields: list[tuple[str, object]], *, sequence: str | None, charset: str = "utf-8"
) -> bytes:
    """A response: its fixed part already laid out, the variable fields, then AY/AZ when the request had AY."""
    text = command + fixed + "".join(f"{key}{clean(value)}|" for key, value in fields if value is not None)
    data = text.encode(charset, errors="replace")
    if sequence is not None:
        data += f"AY{sequence}AZ".encode("ascii")
        data += checksum(data).encode("ascii")
    return data + TERMINATOR


def resend() -> bytes:
    """96: the request was damaged. It carries no sequence number (spec 2.00, "Request ACS Resend")."""
    data = b"96AZ"
    return data + checksum(data).encode("ascii") + TERMINATOR
