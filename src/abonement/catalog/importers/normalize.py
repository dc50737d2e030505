"""Small pure helpers shared by the MARC and CSV readers: ISBN, names, languages, volume, age ratings."""

import re

from abonement.catalog.importers.base import AuthorName
from abonement.catalog.models import AgeRating

ISO639_2_TO_1 = {
    "rus": "ru",
    "lav": "lv",
    "eng": "en",
    "ger": "de",
    "deu": "de",
    "fre": "fr",
    "fra": "fr",
    "ukr": "uk",
    "bel": "be",
    "lit": "lt",
    "est": "et",
    "pol": "pl",
    "spa": "es",
    "ita": "it",
    "fin": "fi",
    "swe": "sv",
    "nor": "no",
    "dan": "da",
    "cze": "cs",
    "ces": "cs",
    "heb": "he",
    "lat": "la",
    "ltg": "ltg",  # Latgalian has no two-letter code
}
LANGUAGE_MAX = 8

_ISBN_CANDIDATE = re.compile(r"[0-9][0-9\- ]{8,20}[0-9Xx]")
_ABBREVIATION = re.compile(r"(\b\w{1,2}|\.\.)\.$")
_AGE = re.compile(r"(\d{1,2})\s*\+")
_HOURS = re.compile(r"(\d+)\s*(?:h\b|hr|hrs|hours?|ч\b|час|st\b|st\.|stund)", re.IGNORECASE)
_MINUTES = re.compile(r"(\d+)\s*(?:min|мин)", re.IGNORECASE)
_HHMMSS = re.compile(r"^(\d{2})(\d{2})(\d{2})$")
_PAGES = re.compile(r"(\d+)\s*(?:p\b|pp\b|p\.|pages?|lpp|lp\b|с\.|с\b|стр|s\.)", re.IGNORECASE)
_FIRST_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})")


def text(value: str | None) -> str:
    """Whitespace collapsed, ends trimmed."""
    return " ".join(value.split()) if value else ""


def strip_isbd(value: str | None) -> str:
    """Text without the trailing ISBD punctuation (" :", " /", "," …) and without a lone final period
    (but "Jr." or "St." style abbreviations of one or two letters keep theirs)."""
    value = text(value).rstrip(" /:;,=")
    if value.endswith(".") and not _ABBREVIATION.search(value):
        value = value[:-1].rstrip(" /:;,=")
    return value


def isbn(value: str | None) -> str:
    """The first ISBN in a field, digits (and a final X) only; "" when there is none of 10 or 13 digits."""
    for candidate in _ISBN_CANDIDATE.findall(value or ""):
        digits = re.sub(r"[^0-9Xx]", "", candidate).upper()
        if len(digits) in (10, 13) and "X" not in digits[:-1]:
            return digits
    return ""


def language(value: str | None) -> str:
    code = text(value).lower()
    if not code or code in {"und", "zxx", "mul", "|||", "   "}:
        return ""
    return ISO639_2_TO_1.get(code, code)[:LANGUAGE_MAX]


def age_rating(value: str | None) -> int | None:
    """'12+', 'Ages 12+', 'старше 16 лет (16+)' → 12 / 16; None when the text names no known rating."""
    match = _AGE.search(value or "")
    if not match:
        return None
    age = int(match.group(1))
    return age if age in AgeRating.values else None


def year(value: str | None) -> int | None:
    match = _YEAR.search(value or "")
    return int(match.group(1)) if match else None


def pages(value: str | None) -> int | None:
    """'320 p.', '303 с.', '[4], 121 lpp.' → the page count ("[4]" unnumbered pages are not counted)."""
    value = re.sub(r"\[\d+\]", "", value or "")
    match = _PAGES.search(value)
    if match:
        return int(match.group(1)) or None
    return None


def duration_seconds(value: str | None) -> int | None:
    """MARC 21 306 'hhmmss', or '5 hr., 30 min.' / '5 ч 30 мин' / '5 st. 30 min.' in a volume statement."""
    value = text(value)
    match = _HHMMSS.match(value)
    if match:
        h, m, s = (int(g) for g in match.groups())
        return h * 3600 + m * 60 + s or None
    hours = _HOURS.search(value)
    minutes = _MINUTES.search(value)
    if not hours and not minutes:
        return None
    total = (int(hours.group(1)) * 3600 if hours else 0) + (int(minutes.group(1)) * 60 if minutes else 0)
    return total or None


def number(value: str | None) -> int | None:
    match = _FIRST_NUMBER.search(value or "")
    return int(match.group(0)) if match else None


def person(name: str, forenames: str = "", role: str = "") -> AuthorName:
    """A personal name from catalogue parts: ("Толстой", "Лев Николаевич") or the inverted "Толстой, Лев"
    in one string, or a plain "Лев Толстой"."""
    surname = strip_isbd(name)
    forenames = strip_isbd(forenames)
    if not forenames and "," in surname:
        surname, forenames = (part.strip() for part in surname.split(",", 1))
        forenames = strip_isbd(forenames)
    if forenames:
        return AuthorName(name=f"{forenames} {surname}", sort_name=f"{surname}, {forenames}", role=role)
    parts = surname.rsplit(" ", 1)
    sort_name = f"{parts[1]}, {parts[0]}" if len(parts) == 2 else surname
    return AuthorName(name=surname, sort_name=sort_name, role=role)
