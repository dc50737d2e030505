"""Time zones offered for a library: the network's usual ones first, then every zone (issue #13).

Each is labelled city first ("Riga (Europe/Riga)") so that typing a city's first letters in the plain <select>
finds it, with no JavaScript. "Usual" are the zones the network's libraries already use and the other zones of
their countries (Russia has 26), found in the system's zone.tab; without that file, the zones in use alone.
"""

import functools
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from pathlib import Path


def label(zone: str) -> str:
    return f"{zone.rsplit('/', 1)[-1].replace('_', ' ')} ({zone})"


ALL = sorted((tz for tz in zoneinfo.available_timezones() if "/" in tz), key=lambda tz: label(tz).casefold())


@functools.cache
def _country_of() -> dict[str, str]:
    for directory in zoneinfo.TZPATH:
        table = Path(directory) / "zone.tab"
        if table.is_file():
            rows = (line.split("\t") for line in table.read_text(encoding="utf-8").splitlines())
            return {row[2]: row[0] for row in rows if len(row) >= 3 and not row[0].startswith("#")}
    return {}


def usual(zones_in_use: Iterable[str]) -> list[str]:
    """The zones in use, most used first, then the other zones of their countries in alphabetical order."""
    in_use = [zone for zone, _count in sorted(Counter(zones_in_use).items(), key=lambda item: (-item[1], item[0]))]
    countries = {_country_of().get(zone) for zone in in_use} - {None}
    same_countries = sorted(zone for zone, country in _country_of().items() if country in countries)
    return in_use + [zone for zone in same_countries if zone not in in_use]
