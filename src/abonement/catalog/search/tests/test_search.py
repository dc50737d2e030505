"""What a search finds and in which order (SPEC C4), through the same index the site uses."""

import pytest

from abonement.catalog.search.query import MATCH_LIMIT, Filters, search, suggest

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(add_title):
    add_title("Война и мир", authors=["Лев Толстой"], genres=["Роман"], popularity=50)
    add_title("Книга о вкусной и здоровой пище", authors=["Анна Иванова"], tags=["кулинария"])
    add_title("Ёлка в лесу", authors=["Сергей Михалков"], language="ru")
    add_title("Zelta grāmata", authors=["Jānis Bērziņš"], language="lv", series="Latviešu klasika")
    add_title("Mežs un jūra", authors=["Anna Kalniņa"], language="lv")
    add_title("The Old Man and the Sea", authors=["Ernest Hemingway"], language="en", isbn="9780684801223")


@pytest.mark.parametrize("typed", ["книга", "книги", "книгу", "Книгой", "КНИГЕ"])
def test_russian_word_forms_find_the_title(shelf, found, typed):
    assert found(typed) == ["Книга о вкусной и здоровой пище"]


@pytest.mark.parametrize("typed", ["война", "войны", "войну", "ВОЙНОЙ"])
def test_war_in_any_case_finds_war_and_peace(shelf, found, typed):
    assert found(typed) == ["Война и мир"]


@pytest.mark.parametrize("typed", ["grāmata", "grāmatas", "gramatas", "GRAMATU", "grāmatām"])
def test_latvian_endings_and_missing_diacritics(shelf, found, typed):
    assert found(typed) == ["Zelta grāmata"]


@pytest.mark.parametrize("typed", ["елка", "ёлка", "ЕЛКА", "елки"])
def test_yo_is_e(shelf, found, typed):
    assert found(typed) == ["Ёлка в лесу"]


def test_long_vowels_typed_plain(shelf, found):
    assert found("mezs un jura") == ["Mežs un jūra"]
    assert found("berzins") == ["Zelta grāmata"]


@pytest.mark.parametrize("typed", ["кни", "войн", "вкусн", "grām", "hemingw", "Толст"])
def test_prefixes_match(shelf, found, typed):
    assert found(typed)


def test_prefix_longer_than_the_stem(add_title, found):
    add_title("Прочитанная книга")
    assert found("прочитанн") == ["Прочитанная книга"]


def test_last_word_is_a_prefix_of_a_multi_word_query(shelf, found):
    assert found("война ми") == ["Война и мир"]


@pytest.mark.parametrize(("typed", "proposal"), [("кника", "книга"), ("вонйа", "война"), ("hemingwey", "hemingway")])
def test_one_letter_typo_still_finds_and_proposes(shelf, typed, proposal):
    results = search(typed)
    assert results.titles, typed
    assert results.did_you_mean.casefold().startswith(proposal[:4])


def test_typo_in_one_word_of_two(shelf):
    results = search("война мирр")
    assert [t.title for t in results.titles] == ["Война и мир"]
    assert results.did_you_mean.startswith("война ")


def test_a_typo_that_is_another_word_is_respelled_when_nothing_is_found(add_title, found):
    add_title("A Christmas Carol", authors=["Charles Dickens"], language="en")
    add_title("Alice in Wonderland", authors=["Lewis Carroll"], language="en")
    results = search("christmas carrol")  # "carrol" is Carroll's stem: it matches, but not with "christmas"
    assert [t.title for t in results.titles] == ["A Christmas Carol"]
    assert results.did_you_mean == "christmas carol"
    assert found("carrol") == ["Alice in Wonderland"]


def test_a_word_that_matches_nothing_says_so(shelf):
    results = search("война zzzzqqq")
    assert results.titles == [] and results.unmatched == ["zzzzqqq"]


@pytest.mark.parametrize(
    "typed", ["978-0-684-80122-3", "9780684801223", "978 0 684 80122 3", "0684801221", "0-684-80122-1"]
)
def test_isbn_with_or_without_dashes_and_as_isbn_10(shelf, found, typed):
    assert found(typed) == ["The Old Man and the Sea"]


def test_author_series_and_tag(shelf, found):
    assert found("толстой") == ["Война и мир"]
    assert found("Толстого") == ["Война и мир"]
    assert found("hemingway") == ["The Old Man and the Sea"]
    assert found("латвиешу класика") == []  # Cyrillic letters are not Latin ones
    assert found("latviesu klasika") == ["Zelta grāmata"]
    assert found("кулинария") == ["Книга о вкусной и здоровой пище"]


def test_surname_in_another_case(add_title, found):
    add_title("Тихий Дон", authors=["Михаил Шолохов"])
    add_title("О Шолохове", description="Воспоминания о Шолохове")
    # Шолохов is a known author: his books first, then the book about him (issue #13).
    assert found("шолохов") == ["Тихий Дон", "О Шолохове"]
    assert found("Шолохова") == found("шолохову") == ["О Шолохове", "Тихий Дон"]


def test_every_word_must_match(shelf, found):
    assert found("война книга") == []
    assert found("книга пища") == ["Книга о вкусной и здоровой пище"]


def test_function_words_are_dropped_unless_alone(add_title, found):
    add_title("It", authors=["Stephen King"], language="en")
    add_title("The sea", language="en")
    assert found("the sea") == ["The sea"]
    assert found("it") == ["It"]


def test_title_match_ranks_above_author_and_description(add_title, found):
    add_title("Рассказы", description="Сборник о море и кораблях; рассказывает капитан Петров", popularity=1000)
    add_title("Корабли", authors=["Иван Петров"], popularity=10)
    add_title("Море", popularity=0)
    assert found("море") == ["Море", "Рассказы"]
    assert found("корабли") == ["Корабли", "Рассказы"]
    assert found("петров") == ["Корабли", "Рассказы"]


def test_popularity_breaks_ties(add_title, found):
    add_title("Сказки", popularity=1)
    add_title("Сказки народов", popularity=900)
    add_title("Сказки старые", popularity=40)
    assert found("сказки") == ["Сказки народов", "Сказки старые", "Сказки"]


def test_facets_count_the_matches_and_filter(add_title, library_factory):
    library = library_factory()
    add_title("Море ebook", genres=["Проза"], age_rating=12)
    add_title("Море audio", format="audiobook", genres=["Проза", "Поэзия"], language="lv", is_free=True)
    add_title("Море paper", format="paper", items=[(library, "on_loan")], age_rating=16)
    add_title("Море paper shelf", format="paper", items=[(library, "on_shelf")], age_rating=16)
    results = search("море")
    assert results.total == 4
    counts = {name: {v.value: v.count for v in values} for name, values in results.facets.items()}
    assert counts["format"] == {"ebook": 1, "audiobook": 1, "paper": 2}
    assert counts["language"] == {"ru": 3, "lv": 1}
    assert counts["age_rating"] == {"0": 1, "12": 1, "16": 2}
    assert counts["free"] == {"1": 1}
    # Not signed in (no library): the free title, which anyone may take, and the paper one on the shelf.
    assert counts["available"] == {"1": 2}
    assert set(counts["genre"].values()) == {2, 1}

    def titles(**filters):
        return sorted(t.title for t in search("море", Filters(**filters)).titles)

    assert titles(format="paper") == ["Море paper", "Море paper shelf"]
    assert titles(available=True) == ["Море audio", "Море paper shelf"]
    assert titles(free=True) == ["Море audio"]
    assert titles(language="lv") == ["Море audio"]
    assert titles(age_rating=16, available=True) == ["Море paper shelf"]
    assert titles(age_rating=0) == ["Море audio"]
    poetry = next(v for v in results.facets["genre"] if v.label == "Поэзия")
    assert titles(genre=int(poetry.value)) == ["Море audio"]


def test_fund_facet_counts_titles_held_by_the_libraries(add_title, library_factory):
    mine, other = library_factory(), library_factory()
    add_title("Лес мой", format="paper", items=[(mine, "on_loan")])
    add_title("Лес чужой", format="paper", items=[(other, "on_shelf")])
    results = search("лес", fund_libraries=[mine.pk])
    assert {v.value: v.count for v in results.facets["in_fund"]} == {"1": 1}
    assert [t.title for t in search("лес", Filters(in_fund=True), fund_libraries=[mine.pk]).titles] == ["Лес мой"]
    assert "in_fund" not in search("лес").facets


def test_pages_of_twenty(add_title):
    for n in range(45):
        add_title(f"Роман {n}", popularity=n)
    first, third = search("роман"), search("роман", page=3)
    assert first.total == 45 and first.pages == 3 and len(first.titles) == 20
    assert first.titles[0].title == "Роман 44"
    assert [t.title for t in third.titles] == [f"Роман {n}" for n in range(4, -1, -1)]
    assert search("роман", page=99).page == 3


def test_huge_matches_are_capped_and_estimated(add_title, monkeypatch):
    from abonement.catalog.search import query

    monkeypatch.setattr(query, "MATCH_LIMIT", 5)
    for n in range(12):
        add_title(f"Река {n}", popularity=n * 10)
    results = search("река")
    assert results.estimated and len(results.ids) == 5
    assert results.total == 12
    assert results.titles[0].title == "Река 11"  # the best are still first
    assert MATCH_LIMIT >= 1000


def test_same_answer_from_every_word_form_of_a_multiword_query(shelf, found):
    assert found("Войны и мира") == found("война мир") == ["Война и мир"]


def test_suggestions_start_with_what_was_typed_most_popular_first(add_title):
    add_title("Война и мир", authors=["Лев Толстой"], popularity=500)
    add_title("Война миров", authors=["Герберт Уэллс"], popularity=900)
    add_title("Войнушка", popularity=1)
    add_title("Мир", popularity=10_000)
    labels = [s["label"] for s in suggest("войн")]
    assert labels == ["Война миров", "Война и мир", "Войнушка"]
    assert [s["label"] for s in suggest("ВОЙНА И")] == ["Война и мир"]
    assert [s["label"] for s in suggest("толст")] == ["Лев Толстой"]
    assert [s["label"] for s in suggest("уэллс г")] == ["Герберт Уэллс"]  # surname first works too
    assert suggest("в") == [] and suggest("") == []
    assert {s["kind"] for s in suggest("лев")} == {"a"}


def test_suggestions_fold_diacritics(add_title):
    add_title("Zelta grāmata", language="lv", authors=["Jānis Bērziņš"])
    assert [s["label"] for s in suggest("zelta gra")] == ["Zelta grāmata"]
    assert [s["label"] for s in suggest("berz")] == ["Jānis Bērziņš"]


def test_at_most_ten_suggestions(add_title):
    for n in range(15):
        add_title(f"Сад {n}", popularity=n)
    assert len(suggest("сад")) == 10
    assert suggest("сад")[0]["label"] == "Сад 14"
