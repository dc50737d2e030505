"""Public holidays of Latvia and Russia, to preload a library's calendar (SPEC P2). Staff edit the result: the
yearly transfers of working days that governments announce are not predictable and are not guessed here."""

from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

COUNTRIES = {"lv": _("Latvia"), "ru": _("Russia")}


def western_easter(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _next_monday_if_weekend(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def public_holidays(country: str, year: int) -> list[tuple[date, str]]:
    """(date, name) of the country's public holidays in `year`, sorted; names in the active language."""
    if country == "lv":
        easter = western_easter(year)
        days = [
            (date(year, 1, 1), _("New Year's Day")),
            (easter - timedelta(days=2), _("Good Friday")),
            (easter, _("Easter Sunday")),
            (easter + timedelta(days=1), _("Easter Monday")),
            (date(year, 5, 1), _("Labour Day")),
            (date(year, 5, 4), _("Restoration of Independence Day")),
            (easter + timedelta(days=49), _("Whit Sunday")),
            (date(year, 6, 23), _("Midsummer Eve (Līgo)")),
            (date(year, 6, 24), _("Midsummer Day (Jāņi)")),
            (date(year, 11, 18), _("Proclamation Day of the Republic of Latvia")),
            (date(year, 12, 24), _("Christmas Eve")),
            (date(year, 12, 25), _("Christmas Day")),
            (date(year, 12, 26), _("Second Day of Christmas")),
            (date(year, 12, 31), _("New Year's Eve")),
        ]
        # 4 May and 18 November falling on a weekend move the day off to the next Monday
        for fixed, name in (
            (date(year, 5, 4), _("Restoration of Independence Day")),
            (date(year, 11, 18), _("Proclamation Day of the Republic of Latvia")),
        ):
            moved = _next_monday_if_weekend(fixed)
            if moved != fixed:
                days.append((moved, name))
    elif country == "ru":
        days = [(date(year, 1, n), _("New Year holidays")) for n in range(1, 7)] + [
            (date(year, 1, 7), _("Orthodox Christmas")),
            (date(year, 1, 8), _("New Year holidays")),
            (date(year, 2, 23), _("Defender of the Fatherland Day")),
            (date(year, 3, 8), _("International Women's Day")),
            (date(year, 5, 1), _("Spring and Labour Day")),
            (date(year, 5, 9), _("Victory Day")),
            (date(year, 6, 12), _("Russia Day")),
            (date(year, 11, 4), _("Unity Day")),
        ]
    else:
        raise ValueError(f"no public holidays known for {country!r}")
    return sorted(days, key=lambda pair: pair[0])
