"""Answering a search: words → terms → ranked titles with facets; and suggestions while typing.

    search(text, filters, page=1, fund_libraries=())  → Results
    suggest(text)                                       → [Suggestion rows as dicts]

How a query is read (see text.py for the rules that make word forms meet):
- at most MAX_QUERY_CHARACTERS characters and MAX_WORDS words are used; ISBNs are read whole ("978-5-…");
  function words (и, the, un…) are dropped unless the query has nothing else;
- a word matches its stems exactly (×4); the last word, and any word with no exact match, also matches
  as a prefix (×3: terms and written words starting with it); a word that still matches nothing (four
  letters or more) matches terms one edit away (×2) and the page offers "did you mean";
- every word must match (AND); a title's score is the sum over words of (best field weight × kind of match),
  ties broken by popularity, then id.

Bounded work: the rarest word drives. When its postings number at most MATCH_LIMIT the answer is exact;
otherwise only each term's best MATCH_LIMIT postings (by field weight and popularity, the key order of the
posting table) are candidates, the total is an estimate ("about N") and facets count those candidates.
The SQL is the same text on SQLite and PostgreSQL; only id lists go through backend.in_ids. It is assembled
from our models' table names and placeholders (hence the S608 waivers); every value is a parameter.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection

from abonement.catalog.models import Format, Title, TitleAuthor
from abonement.catalog.search import backend, text, translit
from abonement.catalog.search.models import RANK_SCALE, Deletion, Posting, Suggestion, Term, Weight, Word
from abonement.circulation import availability

MAX_QUERY_CHARACTERS = 200
MAX_WORDS = 8
MATCH_LIMIT = 1500
PREFIX_TERMS = 24  # most frequent completions of a prefix used to pick candidates when the prefix is huge
PREFIX_WORDS = 200  # written words read for a prefix longer than its stem ("прочитанн" → "прочитанная")
PAGE_SIZE = 20
SUGGESTIONS = 10
EXACT, PREFIX, TRANSLITERATED, TYPO = 4, 3, 3, 2  # multipliers of the field weight


@dataclass
class Filters:
    format: str = ""
    language: str = ""
    age_rating: int | None = None
    genre: int | None = None
    free: bool = False
    available: bool = False
    in_fund: bool = False

    def active(self) -> bool:
        return (
            bool(
                self.format or self.language or self.age_rating is not None or self.genre or self.free or self.available
            )
            or self.in_fund
        )


@dataclass
class QueryWord:
    written: str  # as typed (casefolded)
    folded: str
    exact: dict[str, int] = field(default_factory=dict)  # term → df
    prefix: tuple[str, str] | None = None  # term range [lo, hi)
    prefix_df: int = 0
    prefix_top: dict[str, int] = field(default_factory=dict)  # the most frequent terms in the range → df
    prefix_terms: dict[str, int] = field(default_factory=dict)  # terms of written words with this prefix
    transliterated: dict[str, int] = field(default_factory=dict)  # Cyrillic terms of a Latin spelling → df
    typo: dict[str, int] = field(default_factory=dict)
    correction: str = ""  # the word to propose instead
    names_author: bool = False  # the whole query is this word and it is an author's name: author matches first

    @property
    def estimate(self) -> int:
        return (
            sum(self.exact.values())
            + self.prefix_df
            + sum(self.prefix_terms.values())
            + sum(self.transliterated.values())
            + sum(self.typo.values())
        )

    @property
    def matches(self) -> bool:
        return bool(self.exact or self.prefix_df or self.prefix_terms or self.transliterated or self.typo)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Results:
    query: str = ""
    words: list[QueryWord] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # ranked, all candidates (≤ MATCH_LIMIT), editions apart
    total: int = 0  # works: editions of one work count once
    titles: list[Title] = field(default_factory=list)  # this page's works, with `credits`, `available`, `editions`
    estimated: bool = False  # total is an estimate; facets count the best candidates only
    page: int = 1
    pages: int = 0
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    did_you_mean: str = ""
    unmatched: list[str] = field(default_factory=list)
    shortened: bool = False  # the query was cut to MAX_QUERY_CHARACTERS / MAX_WORDS
    only_symbols: bool = False  # something was typed but no word in it


# --- Reading the query ------------------------------------------------------------------------------------
def _upper(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (code point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


T_TERM = _quote(Term._meta.db_table)
T_WORD = _quote(Word._meta.db_table)
T_DELETION = _quote(Deletion._meta.db_table)
T_POSTING = _quote(Posting._meta.db_table)
T_SUGGESTION = _quote(Suggestion._meta.db_table)
T_TITLE = _quote(Title._meta.db_table)
T_GENRES = _quote(Title.genres.through._meta.db_table)
T_TITLE_AUTHOR = _quote(TitleAuthor._meta.db_table)


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def parse(raw: str) -> tuple[list[QueryWord], bool, bool]:
    """(words, shortened, only_symbols) of what was typed; words keep their order, repeats dropped."""
    raw = raw or ""
    shortened = len(raw) > MAX_QUERY_CHARACTERS
    raw = raw[:MAX_QUERY_CHARACTERS]
    found: list[QueryWord] = []
    isbns = text.isbn_digits(raw)
    for isbn in isbns:
        found.append(QueryWord(written=isbn.lower(), folded=isbn.lower()))
    rest = raw
    for match in text.ISBN_PATTERN.finditer(raw):
        rest = rest.replace(match.group(), " ")
    for written in text.raw_words(rest):
        folded = text.fold(written)[: text.MAX_WORD]
        if text.is_indexable(folded):
            found.append(QueryWord(written=written[: text.MAX_WORD], folded=folded))
    seen, words = set(), []
    for word in found:
        if word.folded not in seen:
            seen.add(word.folded)
            words.append(word)
    content = [w for w in words if w.folded not in text.STOPWORDS]
    if content:
        words = content
    if len(words) > MAX_WORDS:
        words, shortened = words[:MAX_WORDS], True
    only_symbols = not words and bool(raw.strip())
    return words, shortened, only_symbols


def _resolve(words: list[QueryWord]) -> None:
    """Find each word's terms: exact stems and, for a Latin word, the stems of the Cyrillic words it may
    transliterate (Pushkin → пушкин); then prefixes, then typos (each only where still needed)."""
    stems = {w.folded: text.query_stems(w.folded) for w in words}
    transliterated = {w.folded: _transliterated_stems(w) for w in words}
    wanted = sorted({s for found in (*stems.values(), *transliterated.values()) for s in found})
    known = {}
    if wanted:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT term, df FROM {T_TERM} WHERE term IN ({_marks(wanted)})", wanted)  # noqa: S608
            known = {term: df for term, df in cursor.fetchall() if df > 0}
    isbns = sorted({w.folded for w in words if text.is_isbn_term(w.folded)})
    if isbns:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT term, COUNT(*) FROM {T_POSTING} WHERE term IN ({_marks(isbns)}) GROUP BY term",  # noqa: S608
                isbns,
            )
            known.update(cursor.fetchall())
    for word in words:
        word.exact = {s: known[s] for s in stems[word.folded] if s in known}
        word.transliterated = {s: known[s] for s in transliterated[word.folded] if s in known and s not in word.exact}
        if text.is_isbn_term(word.folded) or word.transliterated:
            continue
        if not word.exact:
            _resolve_prefix(word)
        if not word.matches and text.typo_candidate(word.folded):
            _resolve_typo(word, stems[word.folded])
    _mark_author_name(words)


def _mark_author_name(words: list[QueryWord]) -> None:
    """A one-word query that is an author's first name or surname ("Толстой", "Tolstoy") asks for that
    author's books: their author postings then outrank title matches of the same stem ("Толстый и тонкий")."""
    if len(words) != 1 or text.is_isbn_term(words[0].folded) or words[0].folded.isdigit():
        return
    word = words[0]
    names = [word.folded] if word.exact else []
    for candidate in translit.cyrillic_candidates(word.written):  # only readings that matched a term
        folded = text.fold(candidate)
        if folded not in names and any(s in word.transliterated for s in text.index_stems(folded, "ru")):
            names.append(folded)
    if not names:
        return
    # Author suggestions are keyed "first last" and "last first": the name alone or followed by a space and
    # more, which is the key range [name, name + "!") ("!" follows the space). One short range read per
    # popularity bucket, as in suggest().
    parts, params = [], []
    for name in names[:3]:
        for bucket in range(16):
            parts.append(
                f"SELECT * FROM (SELECT 1 FROM {T_SUGGESTION} WHERE bucket = %s AND key >= %s AND key < %s "  # noqa: S608
                f"AND kind = %s LIMIT 1) n{len(parts)}"
            )
            params += [bucket, name, name + "!", Suggestion.Kind.AUTHOR.value]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({' UNION ALL '.join(parts)}) found LIMIT 1", params)  # noqa: S608
        word.names_author = cursor.fetchone() is not None


def _transliterated_stems(word: QueryWord) -> list[str]:
    found: list[str] = []
    for candidate in translit.cyrillic_candidates(word.written):
        for stem in text.index_stems(text.fold(candidate), "ru"):
            if stem not in found:
                found.append(stem)
    return found


def _resolve_prefix(word: QueryWord) -> None:
    lo = word.folded
    if len(lo) < 2:
        return
    hi = _upper(lo)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(df), 0), COUNT(*) FROM {T_TERM} WHERE term >= %s AND term < %s",  # noqa: S608
            [lo, hi],
        )
        total, count = cursor.fetchone()
        if count:
            word.prefix = (lo, hi)
            word.prefix_df = total - sum(df for term, df in word.exact.items() if lo <= term < hi)
            cursor.execute(
                f"SELECT term, df FROM {T_TERM} WHERE term >= %s AND term < %s AND df > 0 "  # noqa: S608
                f"ORDER BY df DESC, term LIMIT %s",
                [lo, hi, PREFIX_TERMS],
            )
            word.prefix_top = dict(cursor.fetchall())
        if len(lo) >= 4:
            # A prefix longer than its stem: "прочитанн" is no prefix of the term "прочита", but of a word.
            cursor.execute(
                f"SELECT DISTINCT w.term, t.df FROM (SELECT term FROM {T_WORD} WHERE word >= %s AND word < %s "  # noqa: S608
                f"LIMIT %s) w JOIN {T_TERM} t ON t.term = w.term",
                [lo, hi, PREFIX_WORDS],
            )
            word.prefix_terms = {
                term: df
                for term, df in cursor.fetchall()
                if term not in word.exact and not (word.prefix and lo <= term < hi)
            }


def _resolve_typo(word: QueryWord, stems: list[str]) -> None:
    variants = set()
    for form in {word.folded, *stems}:
        variants.add(form)
        variants.update(text.deletions(form))
    variants = sorted(variants)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.term, t.df, t.word FROM {T_DELETION} d JOIN {T_TERM} t ON t.term = d.term "  # noqa: S608
            f"WHERE d.variant IN ({_marks(variants)}) "
            f"UNION SELECT term, df, word FROM {T_TERM} WHERE term IN ({_marks(variants)})",
            variants + variants,
        )
        rows = cursor.fetchall()
    forms = {word.folded, *stems}
    close = [
        (df, term, shown)
        for term, df, shown in rows
        if df > 0 and any(text.within_one_edit(term, form) for form in forms) and term not in forms
    ]
    close.sort(key=lambda row: (-row[0], row[1]))
    word.typo = {term: df for df, term, _shown in close[:3]}
    if close:
        word.correction = close[0][2]


# --- Matching ------------------------------------------------------------------------------------------------
def _word_condition(word: QueryWord, alias: str) -> tuple[str, list]:
    """SQL true when posting `alias` matches the word."""
    parts, params = [], []
    listed = [*word.exact, *word.prefix_terms, *word.transliterated, *word.typo]
    if listed:
        parts.append(f"{alias}.term IN ({_marks(listed)})")
        params += listed
    if word.prefix:
        parts.append(f"({alias}.term >= %s AND {alias}.term < %s)")
        params += list(word.prefix)
    return "(" + " OR ".join(parts) + ")", params


def _word_score(word: QueryWord, alias: str) -> tuple[str, list]:
    """SQL for the posting's score for this word: field weight × kind of match."""
    weight = f"({alias}.rank / {RANK_SCALE})"
    if word.names_author:
        weight = f"(CASE WHEN {weight} = {Weight.AUTHOR} THEN {Weight.TITLE + 1} ELSE {weight} END)"
    cases, params = [], []
    if word.exact:
        cases.append(f"WHEN {alias}.term IN ({_marks(word.exact)}) THEN {EXACT}")
        params += list(word.exact)
    if word.transliterated:
        cases.append(f"WHEN {alias}.term IN ({_marks(word.transliterated)}) THEN {TRANSLITERATED}")
        params += list(word.transliterated)
    if word.typo:
        cases.append(f"WHEN {alias}.term IN ({_marks(word.typo)}) THEN {TYPO}")
        params += list(word.typo)
    if not cases:
        return f"{weight} * {PREFIX}", []
    return f"{weight} * CASE {' '.join(cases)} ELSE {PREFIX} END", params


def _filter_sql(filters: Filters, fund_libraries: list[int]) -> tuple[list[str], list]:
    where, params = [], []
    if filters.format:
        where.append("t.format = %s")
        params.append(filters.format)
    if filters.language:
        where.append("t.language = %s")
        params.append(filters.language)
    if filters.age_rating is not None:
        where.append("t.age_rating = %s")
        params.append(filters.age_rating)
    if filters.free:
        where.append("t.is_free = %s")
        params.append(True)
    if filters.genre:
        where.append(f"(SELECT 1 FROM {T_GENRES} g WHERE g.title_id = t.id AND g.genre_id = %s LIMIT 1) = 1")  # noqa: S608
        params.append(filters.genre)
    if filters.available:
        sql, extra = _available_sql(fund_libraries)
        where.append(f"{sql} = 1")
        params += extra
    if filters.in_fund:
        sql, extra = _fund_sql(fund_libraries)
        where.append(f"{sql} = 1")
        params += extra
    return where, params


def _available_sql(libraries: list[int]) -> tuple[str, list]:
    """1 when the title can be had now by a reader of `libraries`: the book page's rule (circulation.availability)."""
    return availability.available_sql(libraries)


def _fund_sql(libraries: list[int]) -> tuple[str, list]:
    """1 when one of `libraries` holds the title (circulation.availability)."""
    return availability.in_fund_sql(libraries)


def _driver_sql(word: QueryWord, capped: bool, filters_sql: list[str], filter_params: list) -> tuple[str, list, int]:
    """Candidate titles for the driving word with their score for it: (title_id, s0); and how many postings
    the candidates come from."""
    score, score_params = _word_score(word, "p")
    if not capped:
        condition, params = _word_condition(word, "p")
        return (
            f"SELECT p.title_id, MAX({score}) AS s0 FROM {T_POSTING} p WHERE {condition} GROUP BY p.title_id",  # noqa: S608
            score_params + params,
            word.estimate,
        )
    # Huge word: each term's best postings (key order: field weight, then popularity), its share of the limit.
    terms = {**word.exact, **word.prefix_terms, **word.transliterated, **word.typo}
    if word.prefix:
        terms.update({t: df for t, df in word.prefix_top.items() if t not in terms})
    total = max(1, sum(terms.values()))
    join = f" JOIN {T_TITLE} t ON t.id = p.title_id" if filters_sql else ""
    where = "".join(f" AND {w}" for w in filters_sql)
    parts, params, fetched = [], [], 0
    for n, (term, df) in enumerate(sorted(terms.items())):
        limit = max(MATCH_LIMIT // 60, math.ceil(MATCH_LIMIT * df / total))
        fetched += min(limit, df)
        parts.append(
            f"SELECT * FROM (SELECT p.title_id, p.term, p.rank FROM {T_POSTING} p{join} "  # noqa: S608
            f"WHERE p.term = %s{where} ORDER BY p.rank DESC LIMIT {limit}) c{n}"
        )
        params += [term, *filter_params]
    union = " UNION ALL ".join(parts)
    sql = f"SELECT p.title_id, MAX({score}) AS s0 FROM ({union}) p GROUP BY p.title_id"  # noqa: S608
    return sql, score_params + params, fetched


@dataclass
class _Matched:
    # (title_id, score, popularity, format, language, age_rating, is_free, available, in_fund, title, work_author)
    rows: list[tuple]
    capped: bool  # only the driving word's best postings were candidates
    total: int  # exact, or estimated when capped


def _match(words: list[QueryWord], filters: Filters, fund_libraries: list[int]) -> _Matched:
    """Ranked candidate rows, best first."""
    order = sorted(words, key=lambda w: w.estimate)
    driver, others = order[0], order[1:]
    capped = driver.estimate > MATCH_LIMIT
    filters_sql, filter_params = _filter_sql(filters, fund_libraries)
    driver_sql, params, fetched = _driver_sql(
        driver, capped, filters_sql if capped else [], filter_params if capped else []
    )

    columns, column_params = [], []
    for n, word in enumerate(others, start=1):
        score, score_params = _word_score(word, "p")
        condition, condition_params = _word_condition(word, "p")
        columns.append(
            f"(SELECT MAX({score}) FROM {T_POSTING} p WHERE p.title_id = d.title_id AND {condition}) AS s{n}"  # noqa: S608
        )
        column_params += score_params + condition_params
    available, available_params = _available_sql(fund_libraries)
    fund, fund_params = _fund_sql(fund_libraries)
    columns += [f"{available} AS available", f"{fund} AS in_fund"]
    column_params += available_params + fund_params
    # What makes two titles editions of one work: the same title and first author (see _group_editions).
    columns.append(
        f"(SELECT ta.author_id FROM {T_TITLE_AUTHOR} ta WHERE ta.title_id = d.title_id "  # noqa: S608
        f"ORDER BY ta.position, ta.id LIMIT 1) AS work_author"
    )
    where = " AND ".join(filters_sql) or "1 = 1"
    inner = (
        f"SELECT d.title_id, d.s0, t.popularity, t.format, t.language, t.age_rating, t.is_free, t.title, "  # noqa: S608
        f"{', '.join(columns)} FROM ({driver_sql}) d JOIN {T_TITLE} t ON t.id = d.title_id WHERE {where}"
    )
    matched = " AND ".join(f"x.s{n} IS NOT NULL" for n in range(1, len(others) + 1)) or "1 = 1"
    total_score = " + ".join(f"x.s{n}" for n in range(len(others) + 1))
    sql = (
        f"SELECT x.title_id, {total_score} AS score, x.popularity, x.format, x.language, x.age_rating, x.is_free, "  # noqa: S608
        f"x.available, x.in_fund, x.title, x.work_author FROM ({inner}) x WHERE {matched} "
        f"ORDER BY score DESC, x.popularity DESC, x.title_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, column_params + params + filter_params)
        rows = cursor.fetchall()
    total = len(rows)
    if capped:
        # The share of fetched postings that became results, applied to all of the driving word's postings.
        total = max(total, round(driver.estimate * len(rows) / max(1, fetched)))
    return _Matched(rows, capped, total)


# --- Facets --------------------------------------------------------------------------------------------------
def _facets(rows: list[tuple], filters: Filters, fund_libraries: list[int]) -> dict[str, list[FacetValue]]:
    from abonement.catalog.models import AgeRating, Genre

    formats = Counter(row[3] for row in rows)
    languages = Counter(row[4] for row in rows if row[4])
    ages = Counter(row[5] for row in rows)
    facets = {
        "format": [
            FacetValue(value, str(label), formats[value], filters.format == value)
            for value, label in Format.choices
            if formats[value]
        ],
        "language": [
            FacetValue(code, _language_name(code), count, filters.language == code)
            for code, count in sorted(languages.items(), key=lambda item: (-item[1], item[0]))
        ],
        "age_rating": [
            FacetValue(str(value), label, ages[value], filters.age_rating == value)
            for value, label in AgeRating.choices
            if ages[value]
        ],
        "free": [FacetValue("1", "", sum(1 for row in rows if row[6]), filters.free)],
        "available": [FacetValue("1", "", sum(1 for row in rows if row[7]), filters.available)],
    }
    if fund_libraries:
        facets["in_fund"] = [FacetValue("1", "", sum(1 for row in rows if row[8]), filters.in_fund)]
    genres = Counter()
    ids = [row[0] for row in rows]
    if ids:
        sql, params = backend.in_ids("g.title_id", ids)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT g.genre_id, COUNT(*) FROM {T_GENRES} g WHERE {sql} GROUP BY g.genre_id", params)  # noqa: S608
            genres = Counter(dict(cursor.fetchall()))
    names = dict(Genre.objects.filter(id__in=list(genres)).values_list("id", "name"))
    facets["genre"] = [
        FacetValue(str(genre_id), names.get(genre_id, ""), count, filters.genre == genre_id)
        for genre_id, count in sorted(genres.items(), key=lambda item: (-item[1], names.get(item[0], "")))
    ]
    return facets


def _language_name(code: str) -> str:
    from django.utils.translation import get_language_info

    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


# --- The whole search -------------------------------------------------------------------------------------
def search(query: str, filters: Filters | None = None, *, page: int = 1, fund_libraries=()) -> Results:
    with backend.search_session():
        return _search(query, filters, page=page, fund_libraries=fund_libraries)


def _search(query: str, filters: Filters | None, *, page: int, fund_libraries) -> Results:
    filters = filters or Filters()
    fund_libraries = sorted({int(i) for i in fund_libraries})
    words, shortened, only_symbols = parse(query)
    results = Results(query=query, words=words, shortened=shortened, only_symbols=only_symbols)
    if not words:
        return results
    _resolve(words)
    results.unmatched = [w.written for w in words if not w.matches]
    if any(w.typo for w in words):
        results.did_you_mean = " ".join(w.correction if w.typo else w.written for w in words)
    if results.unmatched:
        return results
    matched = _match(words, filters, fund_libraries)
    if not matched.rows and len(words) > 1 and not any(w.typo for w in words):
        matched = _respell(words, filters, fund_libraries, results) or matched
    rows = matched.rows
    works, editions = _group_editions(rows)
    results.ids = [row[0] for row in rows]
    results.estimated = matched.capped
    results.total = matched.total if not rows else round(matched.total * len(works) / len(rows))
    results.facets = _facets(rows, filters, fund_libraries)
    results.pages = max(1, math.ceil(len(works) / PAGE_SIZE))
    results.page = min(max(1, page), results.pages)
    start = (results.page - 1) * PAGE_SIZE
    page_rows = works[start : start + PAGE_SIZE]
    results.titles = _load_titles(page_rows, editions)
    return results


def _group_editions(rows: list[tuple]) -> tuple[list[tuple], dict[int, list[tuple]]]:
    """One result per work, as a library catalogue shows it: titles with the same name (folded) and the same
    first author — a paper edition and the e-book, or two years' editions — are one result, shown by the best
    ranked of them, with the others as format choices. Titles without an author are never grouped."""
    works: list[tuple] = []
    editions: dict[int, list[tuple]] = {}
    first_of: dict[tuple[str, int], int] = {}
    for row in rows:
        author = row[10]
        key = (text.normalise(row[9]), author) if author is not None else None
        if key is not None and key in first_of:
            editions[first_of[key]].append(row)
            continue
        if key is not None:
            first_of[key] = row[0]
        editions[row[0]] = []
        works.append(row)
    return works, editions


def _respell(words: list[QueryWord], filters: Filters, fund_libraries: list[int], results: Results) -> _Matched | None:
    """Every word matched something but not together ("christmas carrol": Carroll is an author): try each
    word's neighbours at one edit instead of it, and offer the first spelling that finds titles."""
    for position, word in enumerate(words):
        if not text.typo_candidate(word.folded):
            continue
        respelled = QueryWord(written=word.written, folded=word.folded)
        _resolve_typo(respelled, text.query_stems(word.folded))
        if not respelled.typo:
            continue
        trial = [*words[:position], respelled, *words[position + 1 :]]
        matched = _match(trial, filters, fund_libraries)
        if matched.rows:
            results.words = trial
            results.did_you_mean = " ".join(w.correction if w is respelled else w.written for w in trial)
            return matched
    return None


def _load_titles(page_rows: list[tuple], editions: dict[int, list[tuple]]) -> list[Title]:
    """The page's titles with their authors, `available`, `in_fund` and `editions` (the work's other titles,
    each with `available` too)."""
    from abonement.catalog.selectors import with_authors

    others = {row[0]: row for work in page_rows for row in editions.get(work[0], [])}
    ids = [row[0] for row in page_rows]
    by_id = {title.pk: title for title in with_authors(Title.objects.filter(pk__in=ids))}
    other_titles = {title.pk: title for title in Title.objects.filter(pk__in=list(others)).only(*_EDITION_FIELDS)}
    titles = []
    for row in page_rows:
        if (title := by_id.get(row[0])) is not None:
            title.available = bool(row[7])
            title.in_fund = bool(row[8])
            title.editions = []
            for other in editions.get(row[0], []):
                if (edition := other_titles.get(other[0])) is not None:
                    edition.available = bool(other[7])
                    title.editions.append(edition)
            titles.append(title)
    return titles


_EDITION_FIELDS = ("id", "title", "format", "year", "network_id")


# --- Suggestions ------------------------------------------------------------------------------------------
def suggest(typed: str, *, limit: int = SUGGESTIONS) -> list[dict]:
    """Titles and authors whose folded name starts with what was typed, most popular first. The index
    leads with a popularity bucket, so each bucket is one short range read (16 of them, one statement)."""
    key = text.normalise((typed or "")[:MAX_QUERY_CHARACTERS])[:100]
    if len(key) < 2:
        return []
    hi = _upper(key)
    parts, params = [], []
    for bucket in range(15, -1, -1):
        parts.append(
            f"SELECT * FROM (SELECT kind, object_id, label, detail, popularity FROM {T_SUGGESTION} "  # noqa: S608
            f"WHERE bucket = %s AND key >= %s AND key < %s LIMIT {limit}) b{bucket}"
        )
        params += [bucket, key, hi]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    rows.sort(key=lambda row: (-row[4], row[2], row[1]))
    seen, found = set(), []
    for kind, object_id, label, detail, _popularity in rows:
        if (kind, object_id) in seen:
            continue
        seen.add((kind, object_id))
        found.append({"kind": kind, "id": object_id, "label": label, "detail": detail})
        if len(found) == limit:
            break
    return found
