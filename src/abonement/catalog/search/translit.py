"""Latin spellings of Cyrillic words → the Cyrillic words they may stand for (pure functions, no queries).

A reader types "Pushkin", "Tolstoj", "Chekhov", "Dostoevsky" or, in Latvian, "Puškins", "Čehovs": a Russian
author the catalogue holds in Cyrillic. Transliteration is many-to-one (ISO 9 and GOST 7.79 System B, the
common English forms, the Latvian spelling, German-style "sch"), so going back gives a few candidates; the
query looks each one's stem up in the vocabulary and keeps those that exist, so a wrong guess costs only a
lookup. Candidates are built from the written word (diacritics kept: Latvian "č" is "ч", "c" is "ц").
"""

from functools import lru_cache

MAX_CANDIDATES = 12

# Longest first within each starting letter; each Latin group has its Cyrillic readings, likeliest first.
_GROUPS: dict[str, tuple[str, ...]] = {
    "shch": ("щ",),
    "sch": ("щ", "ш"),
    "shh": ("щ",),
    "zh": ("ж",),
    "kh": ("х",),
    "ch": ("ч", "х"),
    "sh": ("ш",),
    "ts": ("ц", "тс"),
    "tc": ("ц",),
    "tz": ("ц",),
    "yo": ("е",),  # ё, which the index folds to е
    "jo": ("е", "йо"),
    "yu": ("ю",),
    "ju": ("ю",),
    "iu": ("ю",),
    "ya": ("я",),
    "ja": ("я",),
    "ia": ("я", "ия"),
    "ye": ("е",),
    "je": ("е",),
    "ij": ("ий",),
    "iy": ("ий",),
    "yj": ("ый",),
    "yy": ("ый",),
    "oj": ("ой",),
    "oy": ("ой",),
    "ej": ("ей",),
    "ey": ("ей",),
    "aj": ("ай",),
    "oi": ("ой",),  # Voina, Tolstoi; read letter by letter too (Stoik → стоик)
    "ei": ("ей",),
    "ai": ("ай",),
    "ay": ("ай",),
    "ks": ("кс",),
    "a": ("а",),
    "b": ("б",),
    "c": ("ц", "к"),
    "č": ("ч",),
    "ć": ("ч",),
    "d": ("д",),
    "e": ("е", "э"),
    "ē": ("е",),
    "ė": ("е",),
    "è": ("э",),
    "f": ("ф",),
    "g": ("г",),
    "ģ": ("г",),
    "h": ("х",),
    "i": ("и", "ы"),
    "ī": ("и",),
    "j": ("й",),
    "k": ("к",),
    "ķ": ("к",),
    "l": ("л",),
    "ļ": ("ль",),
    "m": ("м",),
    "n": ("н",),
    "ņ": ("нь",),
    "o": ("о",),
    "p": ("п",),
    "q": ("к",),
    "r": ("р",),
    "s": ("с",),
    "š": ("ш",),
    "ŝ": ("щ",),
    "t": ("т",),
    "u": ("у",),
    "ū": ("у",),
    "ŭ": ("у",),
    "v": ("в",),
    "w": ("в",),
    "x": ("кс", "х"),
    "y": ("ы", "й", "и"),
    "ý": ("ы",),
    "z": ("з",),
    "ž": ("ж",),
    "ā": ("а",),
    "â": ("я",),
    "û": ("ю",),
    "ä": ("я",),
    "ü": ("ю",),
    "ö": ("е",),
}
_LONGEST = max(len(group) for group in _GROUPS)
_VOWELS = set("аеиоуыэюя")
# Latvian adds a nominative ending to foreign names: Puškins, Tolstojs, Čehovs, Dostojevskis, Gogolis.
_LATVIAN_ENDINGS = ("is", "s", "us")


@lru_cache(maxsize=20_000)
def cyrillic_candidates(written: str) -> tuple[str, ...]:
    """Cyrillic words that `written` (one casefolded Latin word, diacritics kept) may transliterate, likeliest
    first, at most MAX_CANDIDATES. Empty for words that are not Latin letters."""
    if len(written) < 3 or not written.isalpha() or any(_is_cyrillic(ch) for ch in written):
        return ()
    bases = [written]
    for ending in _LATVIAN_ENDINGS:
        if written.endswith(ending) and len(written) - len(ending) >= 3:
            bases.append(written[: -len(ending)])
    found: list[str] = []
    readings = [_spellings(base) for base in bases]
    for rank in range(MAX_CANDIDATES):  # the likeliest readings of each base first (Čehovs: чеховс, чехов, …)
        for spellings in readings:
            if rank < len(spellings) and spellings[rank] not in found:
                found.append(spellings[rank])
    return tuple(found[:MAX_CANDIDATES])


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _spellings(word: str) -> list[str]:
    """Readings of the word left to right, keeping the MAX_CANDIDATES likeliest partial readings (a reading's
    likelihood is how many second choices it took)."""
    partial: list[tuple[int, str, int]] = [(0, "", 0)]  # (second choices taken, Cyrillic so far, position)
    done: list[tuple[int, str]] = []
    while partial:
        following: list[tuple[int, str, int]] = []
        for cost, cyrillic, at in partial:
            if at == len(word):
                done.append((cost, cyrillic))
                continue
            matched = False
            for size in range(min(_LONGEST, len(word) - at), 0, -1):
                readings = _GROUPS.get(word[at : at + size])
                if not readings:
                    continue
                matched = True
                final = at + size == len(word)
                second = size == 1 and _has_longer(word, at)  # reading a group letter by letter
                for rank, reading in enumerate(_contextual(readings, cyrillic, at, final)):
                    following.append((cost + rank + second, cyrillic + reading, at + size))
            if not matched:
                return []  # a letter we cannot read (ø, ß…): not a transliteration
        following.sort(key=lambda state: state[0])
        partial = following[: MAX_CANDIDATES * 2]
    done.sort(key=lambda state: state[0])
    return [cyrillic for _cost, cyrillic in done[:MAX_CANDIDATES]]


def _has_longer(word: str, at: int) -> bool:
    """True when a longer group also starts here: reading it letter by letter is a second choice."""
    return any(word[at : at + size] in _GROUPS for size in range(2, min(_LONGEST, len(word) - at) + 1))


def _contextual(readings: tuple[str, ...], before: str, at: int, final: bool) -> tuple[str, ...]:
    """ "e" at the start of a word is more often "э" (Эко, Эренбург) than after a consonant; "y" after a vowel
    is "й" (Tolstoy); a final "y" or "i" after a consonant is the adjective ending (Dostoevsky, Dostojevski)."""
    if readings == ("е", "э") and at == 0:
        return ("э", "е")
    after_vowel = bool(before) and before[-1] in _VOWELS
    if readings == ("ы", "й", "и"):
        if after_vowel:
            return ("й", "ы", "и")
        if final:
            return ("ий", "ый", "ы", "и")
    if readings == ("и", "ы") and final and before and not after_vowel:
        return ("и", "ий", "ый")
    return readings
