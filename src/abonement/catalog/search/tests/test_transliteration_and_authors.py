"""Latin spellings find Cyrillic authors and titles; a one-word author name ranks that author's books first
(SPEC C4, issue #13)."""

import pytest

from abonement.catalog.search.translit import cyrillic_candidates

pytestmark = pytest.mark.django_db


@pytest.fixture
def classics(add_title):
    add_title("Евгений Онегин", authors=["Александр Пушкин"], popularity=30)
    add_title("Война и мир", authors=["Лев Толстой"], popularity=50)
    add_title("Анна Каренина", authors=["Лев Толстой"], popularity=40)
    add_title("Толстый и тонкий", authors=["Антон Чехов"], popularity=90)
    add_title("Вишнёвый сад", authors=["Антон Чехов"], popularity=20)
    add_title("Преступление и наказание", authors=["Фёдор Достоевский"], popularity=60)
    add_title("Shchedrin's Garden", authors=["John Smith"], language="en")
    add_title("Zelta grāmata", authors=["Jānis Bērziņš"], language="lv")


@pytest.mark.parametrize(
    ("typed", "author_of"),
    [
        ("Pushkin", "Евгений Онегин"),  # English
        ("Puškins", "Евгений Онегин"),  # Latvian, with the nominative ending
        ("Tolstoj", "Война и мир"),  # GOST / ISO-style j
        ("Tolstoy", "Война и мир"),  # English y
        ("Chekhov", "Вишнёвый сад"),
        ("Čehovs", "Вишнёвый сад"),
        ("Dostoevsky", "Преступление и наказание"),
        ("Dostojevskis", "Преступление и наказание"),
    ],
)
def test_latin_spelling_finds_the_russian_author(classics, found, typed, author_of):
    assert author_of in found(typed)


def test_transliterated_title_words_combine_with_others(classics, found):
    assert found("voina i mir") == ["Война и мир"]
    assert found("vojna mir") == ["Война и мир"]


def test_latin_words_still_find_latin_titles_first(classics, found):
    assert found("shchedrin") == ["Shchedrin's Garden"]
    assert found("gramata") == ["Zelta grāmata"]


def test_a_known_author_outranks_a_title_word_of_the_same_stem(classics, found):
    # "Толстой" and "Толстый" share the stem толст; the reader means the author.
    first_two = found("Толстой")[:2]
    assert sorted(first_two) == ["Анна Каренина", "Война и мир"]
    assert found("Tolstoy")[:2] == first_two


def test_a_word_that_names_no_author_keeps_title_matches_first(classics, found):
    assert found("толстый")[0] == "Толстый и тонкий"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("pushkin", "пушкин"),
        ("tolstoj", "толстой"),
        ("chekhov", "чехов"),
        ("čehovs", "чехов"),
        ("shchedrin", "щедрин"),
        ("zhukovsky", "жуковский"),
        ("tsvetaeva", "цветаева"),
        ("yesenin", "есенин"),
    ],
)
def test_candidates_include_the_usual_reading(written, expected):
    assert expected in cyrillic_candidates(written)


def test_non_latin_and_short_words_have_no_candidates():
    assert cyrillic_candidates("пушкин") == ()
    assert cyrillic_candidates("ab") == ()
    assert cyrillic_candidates("straße") == ()
