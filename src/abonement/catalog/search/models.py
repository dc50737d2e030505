"""The search index: our own tables, so the same SQL answers on SQLite and PostgreSQL (docs/decisions/0006).

No foreign keys to the catalogue on purpose: the index is rebuilt in bulk (COPY / executemany) and joined
to `catalog_title` at query time, so a title deleted without `remove_titles` simply stops matching.
Term-like columns compare byte-wise (C collation on PostgreSQL, BINARY on SQLite) so `term >= 'abc' AND
term < 'abd'` is a prefix range on either engine.
"""

from django.db import models

from abonement.catalog.search.backend import TermField


class Weight:
    """Where a word was found, as its weight: a title word counts eight times a description word."""

    TITLE = 8
    ISBN = 8
    AUTHOR = 6
    SERIES = 5
    TAG = 4
    GENRE = 3
    CONTRIBUTOR = 3  # translator, narrator, illustrator…
    DESCRIPTION = 1


RANK_SCALE = 64  # Posting.rank = weight * RANK_SCALE + popularity bucket (0…63)


class Term(models.Model):
    """One index term (a stem) with its document frequency, for planning and "did you mean"."""

    term = TermField(max_length=40)
    word = models.CharField(max_length=40, help_text="A word form to show for this term.")
    df = models.PositiveIntegerField(default=0, help_text="Titles with this term (refreshed in bulk).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term"], name="search_term_unique")]
        # Covering: a prefix's terms and their frequencies in one range read.
        indexes = [models.Index(fields=["term", "df"], name="search_term_df")]

    def __str__(self) -> str:
        return self.term


class Word(models.Model):
    """A folded word as written, and the term it was indexed under: typed prefixes longer than the stem
    ("прочитанн" → "прочитанная" → "прочита") still find their terms."""

    pk = models.CompositePrimaryKey("word", "term")
    word = TermField(max_length=40)
    term = TermField(max_length=40)

    def __str__(self) -> str:
        return f"{self.word} → {self.term}"


class Deletion(models.Model):
    """A term with one letter deleted (SymSpell): the typo lookup at edit distance one."""

    pk = models.CompositePrimaryKey("variant", "term")
    variant = TermField(max_length=40)
    term = TermField(max_length=40)

    def __str__(self) -> str:
        return f"{self.variant} ← {self.term}"


class Posting(models.Model):
    """A term occurs in a title. The key (term, rank, title_id) reads a term's best titles first; the
    second index (title_id, term, rank) checks one title for a word and deletes a title's postings.
    On SQLite the table is WITHOUT ROWID (clustered on the key, see backend.create_posting_table)."""

    pk = models.CompositePrimaryKey("term", "rank", "title_id")
    term = TermField(max_length=40)
    rank = models.PositiveSmallIntegerField(help_text="Field weight × 64 + popularity bucket.")
    title_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["title_id", "term", "rank"], name="search_posting_title")]

    def __str__(self) -> str:
        return f"{self.term} @ {self.title_id}"


class Suggestion(models.Model):
    """A title or an author offered while typing: its folded name (`key`) starts with what was typed.
    `bucket` (log2 of popularity) leads the index so the most popular matches are read first."""

    class Kind(models.TextChoices):
        TITLE = "t", "title"
        AUTHOR = "a", "author"

    key = TermField(max_length=100)
    kind = models.CharField(max_length=1, choices=Kind.choices)
    object_id = models.BigIntegerField()
    label = models.CharField(max_length=500)
    detail = models.CharField(max_length=300, blank=True)
    popularity = models.PositiveIntegerField(default=0)
    bucket = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["bucket", "key"], name="search_suggestion_key"),
            models.Index(fields=["kind", "object_id"], name="search_suggestion_object"),
        ]

    def __str__(self) -> str:
        return self.label
