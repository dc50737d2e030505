"""Text → index terms: the one place that decides what matches what (pure functions, no queries).

    normalise  NFC, casefold, ё → е, Latin diacritics dropped (ā → a, š → s); й stays й
    tokens     runs of letters and digits; one-letter words dropped (except digits); at most 40 characters
    stem       Cyrillic → Snowball Russian (+ the word itself for -ов/-ев: Шолохов/Шолохова);
               Latin → the document's language (Latvian suffix stripper or
               Snowball English); a query word, whose language is unknown, gets the stems of every language
               its script allows, so "grāmatas", "gramatas" and "grāmata" all reach the term "gramat"
    deletions  SymSpell-style variants at edit distance one, for "did you mean"

Stems are computed on the folded word, so index and query always agree. Changing anything here changes
the terms: run `abonement reindex` afterwards.
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_WORD = 40
MIN_TYPO_LENGTH = 4  # shorter words have too many neighbours at distance one to guess from

_WORD = re.compile(r"[\w\u0300-\u036f]+")  # letters, digits (and _, removed first) and combining marks
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
ISBN_PATTERN = re.compile(r"(?<![\w-])(?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx](?![\w-])")
_BREVE_I = "\ue000"  # holds й while NFKD would split it into и + breve

_russian = snowballstemmer.stemmer("russian")
_english = snowballstemmer.stemmer("english")

# Function words: not indexed outside titles, dropped from a query that has other words.
STOPWORDS = frozenset(
    # Russian (folded: ё → е)
    "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от"
    " меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж"
    " вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без"
    " будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один"
    " почти мой тем чтобы нее были куда зачем всех никогда можно при наконец два об другой хоть после над больше"
    " тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше"
    " чуть том нельзя такой им более всегда конечно всю между это"
    # Latvian (folded)
    " un ar par no uz ka ir bet vai kas ko kur ja ne ta tas tie to so sis si pie lidz pec bez zem virs aiz"
    " starp pa gar caur lai jo ari vel tikai"
    # English
    " a an the and or of to in on at by for with from as is are was were be been it its this that these those"
    " but not no into about over after".split()
)


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold_word(word: str) -> str:
    if word.isascii():
        return word
    word = word.replace("ё", "е").replace("й", _BREVE_I)
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", word))
    return folded.replace(_BREVE_I, "й")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """One casefolded word without diacritics (ё → е, ā → a); й is kept apart from и."""
    return _fold_word(word)


def normalise(text: str) -> str:
    """The whole text casefolded and folded, words separated by single spaces (used for suggestion keys)."""
    return " ".join(words(text))


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return text.replace("_", " ") if "_" in text else text


def raw_words(text: str) -> list[str]:
    """Casefolded words of a text as written (diacritics kept), in order."""
    if not text:
        return []
    return _WORD.findall(_prepare(text))


def chunks(text: str) -> list[str]:
    """The text casefolded and split on white space: the indexer tokenises each distinct chunk once
    (`raw_words` of every chunk, in order, equals `raw_words` of the text)."""
    return _prepare(text).split()


def words(text: str) -> list[str]:
    """Folded words of a text, in order (one-letter words too)."""
    return [fold(w)[:MAX_WORD] for w in raw_words(text)]


def is_indexable(word: str) -> bool:
    return len(word) > 1 or word.isdigit()


# --- Latvian ---------------------------------------------------------------------------------------------
# Endings of nouns (all six declensions) and adjectives after folding (ā → a, ē → e, ī → i, ū → u, š → s),
# longest first. Stripping stops when fewer than three letters would remain: "olas" → "ola", not "ol".
_LATVIAN_ENDINGS = tuple(
    sorted(
        "ajiem ajam ajai ajas ajos aja ajo iem ais am as ai os es ei em is im us um ie a e i u s o".split(),
        key=len,
        reverse=True,
    )
)


@lru_cache(maxsize=100_000)
def latvian_stem(word: str) -> str:
    if not word.isalpha() or not word.isascii():
        return word
    for ending in _LATVIAN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=200_000)
def english_stem(word: str) -> str:
    if not word.isalpha():
        return word
    return _english.stemWord(word)


@lru_cache(maxsize=200_000)
def russian_stem(word: str) -> str:
    return _russian.stemWord(word)


def stem(word: str, language: str) -> str:
    """The term a folded word is indexed under, in a document of `language` (ISO 639-1)."""
    if word.isdigit():
        return word
    if _CYRILLIC.search(word):
        return russian_stem(word)
    if _LATIN.search(word):
        return latvian_stem(word) if language == "lv" else english_stem(word)
    return word


def index_stems(word: str, language: str) -> tuple[str, ...]:
    """The terms a folded word is indexed under: its stem, and for Russian words in -ов/-ев whose ending
    Snowball strips (Шолохов → шолох, but Шолохова → шолохов; остров → остр, острова → остров) the word
    itself too, so the other case forms of surnames and such nouns meet it."""
    found = stem(word, language)
    if len(word) > 4 and found == word[:-2] and word.endswith(("ов", "ев")) and _CYRILLIC.search(word):
        return found, word
    return (found,)


def query_stems(word: str) -> list[str]:
    """Every term a folded query word may have been indexed under (its language is not known)."""
    if word.isdigit() or not _LATIN.search(word) or _CYRILLIC.search(word):
        return list(index_stems(word, "ru"))
    found = []
    for candidate in (english_stem(word), latvian_stem(word), word):
        if candidate not in found:
            found.append(candidate)
    return found


# --- Typos ----------------------------------------------------------------------------------------------
def deletions(term: str) -> set[str]:
    """Every string one deleted letter away (the SymSpell trick: two words at edit distance one, or one
    transposition apart, share a deletion or one is a deletion of the other)."""
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def within_one_edit(a: str, b: str) -> bool:
    """True when one insertion, deletion, substitution or swap of neighbours turns `a` into `b`."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def typo_candidate(term: str) -> bool:
    return len(term) >= MIN_TYPO_LENGTH and term.isalpha()


# --- ISBN -----------------------------------------------------------------------------------------------
def isbn_digits(text: str) -> list[str]:
    """ISBNs written in a text, as digits only (dashes and spaces removed; X upper case)."""
    found = []
    for match in ISBN_PATTERN.finditer(text or ""):
        digits = re.sub(r"[\s-]", "", match.group()).upper()
        if len(digits) in (10, 13):
            found.append(digits)
    return found


def is_isbn_term(term: str) -> bool:
    """A term shaped like an ISBN (10 or 13 characters, digits and a final x). Such terms live in postings
    only: no vocabulary row, no prefix or typo matching (690,000 of them would swamp those tables)."""
    return len(term) in (10, 13) and term[:-1].isdigit() and (term[-1].isdigit() or term[-1] == "x")


def isbn_forms(isbn: str) -> list[str]:
    """The stored ISBN (digits) and its other form: ISBN-13 978… ↔ ISBN-10, so either finds the title."""
    isbn = re.sub(r"[^0-9Xx]", "", isbn or "").upper()
    if not isbn:
        return []
    forms = [isbn]
    if len(isbn) == 13 and isbn.startswith("978") and isbn[:12].isdigit():
        body = isbn[3:12]
        check = 11 - sum((10 - i) * int(d) for i, d in enumerate(body)) % 11
        forms.append(body + ("X" if check == 10 else "0" if check == 11 else str(check)))
    elif len(isbn) == 10 and isbn[:9].isdigit():
        body = "978" + isbn[:9]
        check = (10 - sum((3 if i % 2 else 1) * int(d) for i, d in enumerate(body)) % 10) % 10
        forms.append(body + str(check))
    return [form.lower() for form in forms]
