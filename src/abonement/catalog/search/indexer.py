"""Keeping the search index in step with titles.

    index_titles(ids)   (re)index titles; call inside the transaction that created or changed them
    remove_titles(ids)  drop titles from the index (before or after deleting them)
    rebuild_index()     the whole catalogue in bulk (`abonement reindex`), one transaction
    refresh_statistics()  recount term frequencies exactly (they are kept up to date incrementally too)

What a title is found by, and how much each place weighs (models.Weight): title 8, ISBN 8 (both forms),
author 6, series 5, tag 4, genre 3, other contributors 3, description 1 (its first 40 words: an annotation
states its subject early; words in more than COMMON_IN_DESCRIPTIONS titles count there no more).
Function words count only in titles. Each posting carries the title's popularity bucket, so a term's
postings read in key order come best first.
"""

import math
import multiprocessing
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import batched

from django.db import connection, transaction

from abonement.catalog.models import Author, Genre, Series, Tag, Title, TitleAuthor
from abonement.catalog.search import backend, text
from abonement.catalog.search.models import RANK_SCALE, Deletion, Posting, Suggestion, Term, Weight, Word

DESCRIPTION_WORDS = 40
# A word found in more titles than this is not indexed from descriptions: it says nothing about a title
# there (a catalogue-made stop word), and its postings would be most of the index.
COMMON_IN_DESCRIPTIONS = 5_000
SUGGESTION_KEY_LENGTH = 100
INDEX_MODELS = (Posting, Term, Word, Deletion, Suggestion)
AUTHOR_ROLES = {"", "author", "автор", "autors"}


def popularity_bucket(popularity: int) -> int:
    """0…63 on a log scale: ranks within a term; 0 loans → 0, 1 → 4, 15 → 16, 65,535 → 63."""
    return min(RANK_SCALE - 1, int(math.log2((popularity or 0) + 1) * 4))


def suggestion_bucket(popularity: int) -> int:
    """0…15 on a log scale; leads the suggestion index so the most popular are read first."""
    return min(15, int(math.log2((popularity or 0) + 1)))


@dataclass
class Document:
    id: int
    title: str
    language: str
    popularity: int
    description: str = ""
    isbn: str = ""
    series: str = ""
    authors: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, name, sort name, role
    tags: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)

    def fields(self) -> Iterator[tuple[int, str]]:
        """(weight, text) in falling weight."""
        yield Weight.TITLE, self.title
        contributors = []
        for _id, name, _sort, role in self.authors:
            if role.casefold() in AUTHOR_ROLES:
                yield Weight.AUTHOR, name
            else:
                contributors.append(name)
        yield Weight.SERIES, self.series
        for tag in self.tags:
            yield Weight.TAG, tag
        for genre in self.genres:
            yield Weight.GENRE, genre
        for name in contributors:
            yield Weight.CONTRIBUTOR, name
        yield Weight.DESCRIPTION, self.description


class Analyser:
    """Turns documents into {term: weight}, remembering every word it met.

    A catalogue repeats its words, so text is split on white space and each distinct chunk ("книга,",
    "Сент-Экзюпери") is tokenised, folded and stemmed once per language family (Latvian or not), then found
    in a dict: (terms, terms without function words) — function words count only in titles. Fields come
    in falling weight, so the first weight a term gets is its best (`setdefault`)."""

    def __init__(self):
        self._caches: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {"lv": {}, "": {}}
        self.words: set[tuple[str, str]] = set()
        self.display: dict[str, str] = {}

    def _miss(self, chunk: str, language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        every, content = [], []
        for raw in [chunk] if chunk.isalpha() else text.raw_words(chunk):
            folded = text.fold(raw)[: text.MAX_WORD]
            if not text.is_indexable(folded):
                continue
            stop = folded in text.STOPWORDS
            for term in text.index_stems(folded, language):
                self.words.add((folded, term))
                self.display.setdefault(term, raw[: text.MAX_WORD])
                every.append(term)
                if not stop:
                    content.append(term)
        found = (tuple(every), tuple(content))
        self._caches[language][chunk] = found
        return found

    def terms(self, document: Document) -> dict[str, int]:
        language = "lv" if document.language == "lv" else ""
        cached = self._caches[language].get
        miss = self._miss
        found: dict[str, int] = {}
        keep = found.setdefault
        for weight, value in document.fields():
            if not value:
                continue
            which = 0 if value is document.title else 1
            chunks = text.chunks(value)
            if weight == Weight.DESCRIPTION:
                chunks = chunks[:DESCRIPTION_WORDS]
            for chunk in chunks:
                entry = cached(chunk) or miss(chunk, language)
                for term in entry[which]:
                    keep(term, weight)
        for isbn in text.isbn_forms(document.isbn):
            found[isbn] = Weight.ISBN
        return found


# --- Reading titles --------------------------------------------------------------------------------------
class _Names:
    """id → name for authors, series, tags and genres, fetched as needed (all at once for a rebuild)."""

    def __init__(self, preload: bool = False):
        self.authors: dict[int, tuple[str, str]] = {}
        self.series: dict[int, str] = {}
        self.tags: dict[int, str] = {}
        self.genres: dict[int, str] = {}
        if preload:
            self.authors = {i: (n, s) for i, n, s in Author.objects.values_list("id", "name", "sort_name")}
            self.series = dict(Series.objects.values_list("id", "name"))
            self.tags = dict(Tag.objects.values_list("id", "name"))
            self.genres = dict(Genre.objects.values_list("id", "name"))

    def need(self, cache: dict, model, ids: Iterable[int], *fields: str) -> None:
        missing = {i for i in ids if i not in cache}
        for chunk in batched(sorted(missing), 1000):
            for row in model.objects.filter(id__in=chunk).values_list("id", *fields):
                cache[row[0]] = row[1:] if len(fields) > 1 else row[1]


def _documents(titles: list[tuple], names: _Names) -> list[Document]:
    """Documents for rows of (id, title, description, isbn, language, popularity, series_id)."""
    if not titles:
        return []
    ids = [row[0] for row in titles]
    by_id = {
        row[0]: Document(id=row[0], title=row[1], description=row[2], isbn=row[3], language=row[4], popularity=row[5])
        for row in titles
    }
    lo, hi = min(ids), max(ids)
    contiguous = len(ids) > 1000  # a rebuild reads id ranges; a small update reads exact ids
    scope = {"title_id__gte": lo, "title_id__lte": hi} if contiguous else {"title_id__in": ids}

    links = list(
        TitleAuthor.objects.filter(**scope)
        .order_by("title_id", "position", "id")
        .values_list("title_id", "author_id", "role")
    )
    names.need(names.authors, Author, (a for _t, a, _r in links), "name", "sort_name")
    for title_id, author_id, role in links:
        if (document := by_id.get(title_id)) is not None:
            name, sort_name = names.authors[author_id]
            document.authors.append((author_id, name, sort_name, role))

    series_ids = {row[6] for row in titles if row[6]}
    names.need(names.series, Series, series_ids, "name")
    for row in titles:
        if row[6]:
            by_id[row[0]].series = names.series.get(row[6], "")

    for relation, cache, model, attribute in (
        (Title.tags.through, names.tags, Tag, "tags"),
        (Title.genres.through, names.genres, Genre, "genres"),
    ):
        other = f"{model._meta.model_name}_id"
        pairs = list(relation.objects.filter(**scope).values_list("title_id", other))
        names.need(cache, model, (p[1] for p in pairs), "name")
        for title_id, other_id in pairs:
            if (document := by_id.get(title_id)) is not None:
                getattr(document, attribute).append(cache[other_id])
    return [by_id[i] for i in ids]


_TITLE_COLUMNS = ("id", "title", "description", "isbn", "language", "popularity", "series_id")


def _load(title_ids: list[int], names: _Names) -> list[Document]:
    rows = []
    for chunk in batched(title_ids, 1000):
        rows.extend(Title.objects.filter(id__in=chunk).order_by("id").values_list(*_TITLE_COLUMNS))
    return _documents(rows, names)


def _scan(chunk_size: int) -> Iterator[list[Document]]:
    names = _Names(preload=True)
    last = 0
    while True:
        rows = list(Title.objects.filter(id__gt=last).order_by("id").values_list(*_TITLE_COLUMNS)[:chunk_size])
        if not rows:
            return
        last = rows[-1][0]
        yield _documents(rows, names)


# --- Suggestions ------------------------------------------------------------------------------------------
def _title_suggestion(document: Document) -> tuple:
    detail = ", ".join(name for _i, name, _s, role in document.authors if role.casefold() in AUTHOR_ROLES)
    return (
        text.normalise(document.title)[:SUGGESTION_KEY_LENGTH],
        Suggestion.Kind.TITLE.value,
        document.id,
        document.title[:500],
        detail[:300],
        document.popularity,
        suggestion_bucket(document.popularity),
    )


def _author_suggestions(author_id: int, name: str, sort_name: str, popularity: int) -> list[tuple]:
    keys = {text.normalise(name)[:SUGGESTION_KEY_LENGTH], text.normalise(sort_name)[:SUGGESTION_KEY_LENGTH]}
    bucket = suggestion_bucket(popularity)
    kind = Suggestion.Kind.AUTHOR.value
    return [(key, kind, author_id, name[:500], "", popularity, bucket) for key in sorted(keys) if key]


SUGGESTION_FIELDS = ("key", "kind", "object_id", "label", "detail", "popularity", "bucket")


def _refresh_authors(author_ids: set[int], *, leaving: Iterable[int] = ()) -> None:
    """Recompute the suggestions of these authors: popularity = their titles' loans + number of titles
    (not counting titles `leaving` the index); an author left without titles is no longer suggested."""
    if not author_ids:
        return
    for chunk in batched(sorted(author_ids), 500):
        Suggestion.objects.filter(kind=Suggestion.Kind.AUTHOR, object_id__in=chunk).delete()
        totals: dict[int, int] = defaultdict(int)
        links = TitleAuthor.objects.filter(author_id__in=chunk).exclude(title_id__in=list(leaving))
        for author_id, popularity in links.values_list("author_id", "title__popularity"):
            totals[author_id] += (popularity or 0) + 1
        rows = []
        for author_id, name, sort_name in Author.objects.filter(id__in=list(totals)).values_list(
            "id", "name", "sort_name"
        ):
            rows.extend(_author_suggestions(author_id, name, sort_name, totals[author_id]))
        Suggestion.objects.bulk_create([Suggestion(**dict(zip(SUGGESTION_FIELDS, row, strict=True))) for row in rows])


# --- Incremental -------------------------------------------------------------------------------------------
def _adjust_df(deltas: Counter) -> None:
    """Add to term frequencies, in term order so concurrent transactions lock rows in the same order."""
    rows = [(delta, delta, term) for term, delta in sorted(deltas.items()) if delta and not text.is_isbn_term(term)]
    if not rows:
        return
    table = connection.ops.quote_name(Term._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET df = CASE WHEN df + %s < 0 THEN 0 ELSE df + %s END WHERE term = %s",  # noqa: S608
            rows,
        )


def _current_terms(title_ids: list[int]) -> Counter:
    counts: Counter = Counter()
    for chunk in batched(title_ids, 500):
        counts.update(Posting.objects.filter(title_id__in=chunk).values_list("term", flat=True))
    return counts


def _drop(title_ids: list[int]) -> Counter:
    """Delete the titles' postings and title suggestions; return the term frequencies they held."""
    held = _current_terms(title_ids)
    for chunk in batched(title_ids, 500):
        Posting.objects.filter(title_id__in=chunk).delete()
        Suggestion.objects.filter(kind=Suggestion.Kind.TITLE, object_id__in=chunk).delete()
    return held


def _add_vocabulary(analyser: Analyser, terms: set[str]) -> None:
    terms = {t for t in terms if not text.is_isbn_term(t)}
    existing = set()
    for chunk in batched(sorted(terms), 500):
        existing.update(Term.objects.filter(term__in=chunk).values_list("term", flat=True))
    new = sorted(terms - existing)
    Term.objects.bulk_create(
        [Term(term=t, word=analyser.display.get(t, t), df=0) for t in new], ignore_conflicts=True, batch_size=500
    )
    Deletion.objects.bulk_create(
        [Deletion(variant=v, term=t) for t in new if text.typo_candidate(t) for v in text.deletions(t)],
        ignore_conflicts=True,
        batch_size=500,
    )
    pairs = {(w, t) for w, t in analyser.words if t in terms}
    known = set()
    for chunk in batched(sorted({w for w, _t in pairs}), 500):
        known.update(Word.objects.filter(word__in=chunk).values_list("word", "term"))
    Word.objects.bulk_create(
        [Word(word=w, term=t) for w, t in sorted(pairs - known)], ignore_conflicts=True, batch_size=500
    )


def index_titles(title_ids: Iterable[int]) -> None:
    """(Re)index these titles; call inside the transaction that changed them."""
    ids = sorted({int(i) for i in title_ids})
    if not ids:
        return
    with transaction.atomic():
        deltas = Counter()
        deltas.subtract(_drop(ids))
        analyser = Analyser()
        documents = _load(ids, _Names())
        analysed = [(document, analyser.terms(document)) for document in documents]
        common = _common_terms({t for _d, terms in analysed for t, w in terms.items() if w == Weight.DESCRIPTION})
        postings, suggestions, authors = [], [], set()
        for document, terms in analysed:
            bucket = popularity_bucket(document.popularity)
            terms = {t: w for t, w in terms.items() if w != Weight.DESCRIPTION or t not in common}
            deltas.update(terms.keys())
            postings.extend((term, weight * RANK_SCALE + bucket, document.id) for term, weight in terms.items())
            suggestions.append(Suggestion(**dict(zip(SUGGESTION_FIELDS, _title_suggestion(document), strict=True))))
            authors.update(a[0] for a in document.authors)
        _add_vocabulary(analyser, {p[0] for p in postings})
        _adjust_df(deltas)
        # COPY / executemany: an import of thousands of titles writes hundreds of thousands of postings.
        backend.Loader(freeze=False).rows(Posting, ("term", "rank", "title_id"), sorted(postings))
        Suggestion.objects.bulk_create(suggestions, batch_size=500)
        authors.update(_authors_of(ids))
        _refresh_authors(authors)


def _common_terms(terms: set[str]) -> set[str]:
    common = set()
    for chunk in batched(sorted(terms), 500):
        common.update(Term.objects.filter(term__in=chunk, df__gt=COMMON_IN_DESCRIPTIONS).values_list("term", flat=True))
    return common


def _authors_of(title_ids: list[int]) -> set[int]:
    found = set()
    for chunk in batched(title_ids, 500):
        found.update(TitleAuthor.objects.filter(title_id__in=chunk).values_list("author_id", flat=True))
    return found


def remove_titles(title_ids: Iterable[int]) -> None:
    """Drop these titles from the index."""
    ids = sorted({int(i) for i in title_ids})
    if not ids:
        return
    with transaction.atomic():
        held = _drop(ids)
        deltas = Counter()
        deltas.subtract(held)
        _adjust_df(deltas)
        _refresh_authors(_authors_of(ids), leaving=ids)


# --- Bulk -----------------------------------------------------------------------------------------------
@dataclass
class RebuildStats:
    titles: int = 0
    postings: int = 0
    terms: int = 0
    words: int = 0
    deletions: int = 0
    suggestions: int = 0


@dataclass
class _Analysed:
    """What analysing some documents produced (also sent back by a worker process)."""

    postings: dict[str, list[int]]  # term → packed (rank << 40 | title id)
    suggestions: list[tuple]
    words: set[tuple[str, str]]
    display: dict[str, str]


def _analyse(documents: list[Document], analyser: Analyser) -> _Analysed:
    postings: dict[str, list[int]] = defaultdict(list)
    for document in documents:
        bucket = popularity_bucket(document.popularity)
        for term, weight in analyser.terms(document).items():
            postings[term].append(((weight * RANK_SCALE + bucket) << 40) | document.id)
    suggestions = [_title_suggestion(document) for document in documents]
    words, display = analyser.words, analyser.display
    analyser.words, analyser.display = set(), {}  # a worker sends each word once
    return _Analysed(dict(postings), suggestions, words, display)


_worker_analyser: Analyser | None = None


def _analyse_in_worker(documents: list[Document]) -> _Analysed:
    global _worker_analyser
    if _worker_analyser is None:
        _worker_analyser = Analyser()
    return _analyse(documents, _worker_analyser)


def _workers(requested: int | None) -> int:
    """Analysis may run in forked worker processes (pure Python work: they never touch the database; the
    main process reads titles and writes the index). Off by default: each worker warms its own word cache
    and documents travel between processes, so it only pays on idle cores — on a busy 2-core machine one
    process was faster (BENCHMARKS.md)."""
    if requested is None or requested <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return requested


def rebuild_index(
    *, chunk_size: int = 10_000, workers: int | None = None, progress: Callable[[str], None] | None = None
) -> RebuildStats:
    """Index the whole catalogue from scratch in one transaction (readers see the old index until then).
    `progress` hears what was done so far, with the elapsed time."""
    started = time.perf_counter()

    def tell(message: str) -> None:
        if progress:
            progress(f"{message} ({time.perf_counter() - started:.1f} s)")

    stats = RebuildStats()
    postings: dict[str, list[int]] = {}
    words: set[tuple[str, str]] = set()
    display: dict[str, str] = {}
    title_suggestions: list[tuple] = []
    author_popularity: dict[int, int] = defaultdict(int)
    author_names: dict[int, tuple[str, str]] = {}

    def merge(part: _Analysed) -> None:
        for term, packed in part.postings.items():
            if (known := postings.get(term)) is None:
                postings[term] = packed
            else:
                known.extend(packed)
        title_suggestions.extend(part.suggestions)
        words.update(part.words)
        for term, shown in part.display.items():
            display.setdefault(term, shown)

    def read() -> Iterator[list[Document]]:
        for documents in _scan(chunk_size):
            for document in documents:
                for author_id, name, sort_name, _role in document.authors:
                    author_popularity[author_id] += document.popularity + 1
                    author_names[author_id] = (name, sort_name)
            yield documents
            stats.titles += len(documents)
            if stats.titles % 100_000 < chunk_size:
                tell(f"{stats.titles:,} titles read and analysed")

    with transaction.atomic():
        count = _workers(workers)
        with backend.bulk_load(INDEX_MODELS) as loader:
            tell(f"old index emptied; analysing in {count} process{'es' if count > 1 else ''}")
            if count == 1:
                analyser = Analyser()
                for documents in read():
                    merge(_analyse(documents, analyser))
            else:
                with multiprocessing.get_context("fork").Pool(count) as pool:
                    pending: deque = deque()
                    for documents in read():
                        pending.append(pool.apply_async(_analyse_in_worker, (documents,)))
                        while len(pending) > count:
                            merge(pending.popleft().get())
                    while pending:
                        merge(pending.popleft().get())
            _drop_common_description_postings(postings)
            terms = sorted(postings)
            df = {term: len(postings[term]) for term in terms}
            stats.postings = sum(df.values())
            loader.rows(Posting, ("term", "rank", "title_id"), _posting_rows(terms, postings))
            postings.clear()
            tell(f"{stats.postings:,} postings written")
            vocabulary = [t for t in terms if not text.is_isbn_term(t)]
            loader.rows(Term, ("term", "word", "df"), ((t, display.get(t, t), df[t]) for t in vocabulary))
            stats.words = len(words)
            loader.rows(Word, ("word", "term"), sorted(words))
            stats.terms = len(vocabulary)
            deletions = sorted({(v, t) for t in vocabulary if text.typo_candidate(t) for v in text.deletions(t)})
            stats.deletions = len(deletions)
            loader.rows(Deletion, ("variant", "term"), deletions)
            del deletions
            tell(f"{stats.terms:,} terms, {stats.words:,} words, {stats.deletions:,} typo variants written")
            for author_id, (name, sort_name) in author_names.items():
                title_suggestions.extend(_author_suggestions(author_id, name, sort_name, author_popularity[author_id]))
            stats.suggestions = len(title_suggestions)
            loader.rows(Suggestion, SUGGESTION_FIELDS, title_suggestions)
            tell(f"{stats.suggestions:,} suggestions written")
        tell("indexes built, statistics gathered")
    tell("committed")
    return stats


def _drop_common_description_postings(postings: dict[str, list[int]]) -> None:
    lowest = (Weight.DESCRIPTION + 1) * RANK_SCALE << 40  # packed values below this are description postings
    for term in [t for t, packed in postings.items() if len(packed) > COMMON_IN_DESCRIPTIONS]:
        kept = [value for value in postings[term] if value >= lowest]
        if kept:
            postings[term] = kept
        else:
            del postings[term]


def _posting_rows(terms: list[str], postings: dict[str, list[int]]) -> Iterator[tuple[str, int, int]]:
    """Rows in key order (term, rank, title_id): appends on SQLite's clustered table, a term's rows
    together on PostgreSQL's heap."""
    mask = (1 << 40) - 1
    for term in terms:
        packed = postings[term]
        packed.sort()
        for value in packed:
            yield term, value >> 40, value & mask
        packed.clear()


def refresh_statistics() -> None:
    """Recount every term's document frequency from the postings (exact; for after large changes)."""
    term = connection.ops.quote_name(Term._meta.db_table)
    posting = connection.ops.quote_name(Posting._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {term} SET df = (SELECT COUNT(*) FROM {posting} p WHERE p.term = {term}.term)"  # noqa: S608
        )
    backend.analyze(INDEX_MODELS)
