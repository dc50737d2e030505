"""The rules that make word forms meet (pure functions: no database)."""

import unicodedata

import pytest

from abonement.catalog.search import text


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Ёлка", "елка"),
        ("ГРĀМАТА", "грāмата".replace("ā", "a")),
        ("Grāmatās", "gramatas"),
        ("Kalniņš", "kalnins"),
        ("Ļoti ŠĶĒRSIELA", "loti skersiela"),
        ("Война", "война"),
        ("Йод", "йод"),  # й is a letter of its own in Russian: not и
        ("Straße", "strasse"),
        ("café", "cafe"),
        (unicodedata.normalize("NFD", "Grāmata ёж"), "gramata еж"),  # decomposed input folds the same
    ],
)
def test_normalise_folds_case_and_diacritics(written, folded):
    assert text.normalise(written) == folded


def test_words_split_on_punctuation_and_keep_digits():
    assert text.words("Сент-Экзюпери: «Маленький принц», 1943!") == ["сент", "экзюпери", "маленький", "принц", "1943"]
    assert text.words('snake_case 🙂 (*) "NEAR"') == ["snake", "case", "near"]


@pytest.mark.parametrize(
    "forms", [("книга", "книги", "книгу", "книгой", "книге"), ("война", "войны", "войну", "войной")]
)
def test_russian_word_forms_share_a_stem(forms):
    assert len({text.stem(text.fold(f), "ru") for f in forms}) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ("grāmata", "grāmatas", "grāmatai", "grāmatu", "grāmatā", "grāmatām", "grāmatās"),
        ("mežs", "meža", "mežam", "mežu", "mežā", "meži", "mežiem"),
        ("saule", "saules", "saulei", "sauli", "saulē", "saulēm"),
        ("brālis", "brāļa", "brālim", "brāli"),
        ("lielais", "liela", "lielajam", "lielie", "lielo"),
        ("Bērziņš", "Bērziņa", "Bērziņam"),
    ],
)
def test_latvian_endings_are_forgiving(forms):
    assert len({text.stem(text.fold(f), "lv") for f in forms}) == 1


@pytest.mark.parametrize("forms", [("шолохов", "шолохова", "шолохову"), ("остров", "острова", "островом")])
def test_russian_words_in_ov_meet_their_other_forms(forms):
    """Snowball strips -ов from the nominative only (шолохов → шолох, шолохова → шолохов): the word itself
    is indexed too, so every form shares one term."""
    shared = set.intersection(*(set(text.index_stems(f, "ru")) for f in forms))
    assert shared == {forms[0]}
    assert set(text.query_stems(forms[1])) <= set(text.index_stems(forms[0], "ru"))


def test_latvian_stripper_keeps_three_letters():
    assert text.latvian_stem("olas") == text.latvian_stem("ola") == "ola"
    assert text.latvian_stem("es") == "es"


def test_a_query_word_reaches_the_stem_of_every_language_of_its_script():
    assert "gramat" in text.query_stems("gramatas")
    assert "book" in text.query_stems("books")
    assert text.query_stems("книги") == ["книг"]
    assert text.query_stems("1984") == ["1984"]


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("книга", "книга", True),
        ("книга", "кнога", True),  # substitution
        ("книга", "книгаа", True),  # insertion
        ("книга", "книа", True),  # deletion
        ("книга", "кинга", True),  # neighbours swapped
        ("книга", "кингаа", False),
        ("abcd", "badc", False),
        ("gramata", "gramta", True),
    ],
)
def test_within_one_edit(a, b, close):
    assert text.within_one_edit(a, b) is close
    assert text.within_one_edit(b, a) is close


def test_deletions_meet_for_words_one_edit_apart():
    assert "кнг" in text.deletions("книг")  # a letter missing: the typed word is a deletion of the term
    assert text.deletions("кинг") & text.deletions("книг")  # a swap shares a deletion


def test_isbn_is_read_whole_with_or_without_dashes():
    assert text.isbn_digits("ISBN 978-5-17-090826-6, and 5-17-090826-x") == ["9785170908266", "517090826X"]
    assert text.isbn_digits("Война и мир 1869") == []


def test_isbn_forms_convert_between_10_and_13_digits():
    assert text.isbn_forms("9780306406157") == ["9780306406157", "0306406152"]
    assert text.isbn_forms("0-306-40615-2") == ["0306406152", "9780306406157"]
    assert text.isbn_forms("") == []
