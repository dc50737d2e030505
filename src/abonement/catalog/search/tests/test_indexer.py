"""The index follows the catalogue: updates, deletions, bulk rebuilds and the `reindex` command."""

import pytest
from django.core.management import call_command

from abonement.catalog.models import Author, Title, TitleAuthor
from abonement.catalog.search import indexer
from abonement.catalog.search.models import Posting, Suggestion, Term
from abonement.catalog.search.query import search, suggest

pytestmark = pytest.mark.django_db


def titles(text):
    return [t.title for t in search(text).titles]


def postings():
    return sorted(Posting.objects.values_list("term", "rank", "title_id"))


def frequencies():
    return {t: df for t, df in Term.objects.filter(df__gt=0).values_list("term", "df")}


def test_reindex_after_the_title_changes(add_title):
    title = add_title("Старая сказка", authors=["Пётр Ершов"])
    assert titles("сказка") == ["Старая сказка"]
    title.title = "Новая повесть"
    title.save()
    indexer.index_titles([title.pk])
    assert titles("сказка") == [] and titles("повести") == ["Новая повесть"]
    assert titles("ершов") == ["Новая повесть"]
    assert [s["label"] for s in suggest("новая")] == ["Новая повесть"] and suggest("старая") == []


def test_reindex_after_the_authors_change(add_title):
    title = add_title("Сказка", authors=["Пётр Ершов"])
    TitleAuthor.objects.filter(title=title).delete()
    author = Author.objects.create(name="Агния Барто", sort_name="Барто, Агния")
    TitleAuthor.objects.create(title=title, author=author)
    indexer.index_titles([title.pk])
    assert titles("барто") == ["Сказка"] and titles("ершов") == []
    assert [s["label"] for s in suggest("агния")] == ["Агния Барто"]


def test_removed_titles_are_not_found(add_title):
    keep, gone = add_title("Лес", authors=["Иван Лесной"]), add_title("Лесок", authors=["Иван Лесной"])
    indexer.remove_titles([gone.pk])
    gone.delete()
    assert titles("лес") == ["Лес"]
    assert not Posting.objects.filter(title_id=gone.pk).exists()
    assert not Suggestion.objects.filter(kind="t", object_id=gone.pk).exists()
    assert Suggestion.objects.filter(kind="a").count() == 2  # the author still has a title (two name orders)
    indexer.remove_titles([keep.pk])
    keep.delete()
    assert not Suggestion.objects.filter(kind="a").exists()


def test_a_title_deleted_without_the_indexer_is_not_shown(add_title):
    add_title("Река")
    Title.objects.filter(title="Река").delete()
    results = search("река")
    assert results.titles == [] and results.total == 0


def test_frequencies_follow_changes_and_match_a_recount(add_title):
    a = add_title("Море и море", description="Про море")
    add_title("Морской бой")
    assert frequencies()["мор"] == 1
    add_title("Море")
    a.title = "Небо"
    a.description = ""
    a.save()
    indexer.index_titles([a.pk])
    before = frequencies()
    indexer.refresh_statistics()
    assert frequencies() == before
    assert before["мор"] == 1 and before["неб"] == 1


def test_rebuild_gives_the_same_index_as_incremental_updates(add_title):
    add_title("Война и мир", authors=["Лев Толстой"], series="Классика", tags=["история"], isbn="9785170908266")
    add_title("Zelta grāmata", authors=["Jānis Bērziņš"], language="lv", description="Grāmata par zeltu")
    add_title("It", authors=["Stephen King"], language="en", popularity=70)
    incremental, counts = postings(), frequencies()
    suggestions = sorted(Suggestion.objects.values_list("key", "kind", "object_id", "popularity"))
    stats = indexer.rebuild_index()
    assert stats.titles == 3 and stats.postings == len(incremental)
    assert postings() == incremental and frequencies() == counts
    assert sorted(Suggestion.objects.values_list("key", "kind", "object_id", "popularity")) == suggestions
    assert titles("война") == ["Война и мир"] and titles("gramatas") == ["Zelta grāmata"]


def test_a_rebuild_in_two_processes_gives_the_same_index(add_title):
    for n in range(30):
        add_title(f"Книга {n}", authors=[f"Автор {n % 4}"], description=f"Описание номер {n}", language="ru")
        add_title(f"Grāmata {n}", authors=["Jānis Bērziņš"], language="lv", tags=["dzeja"])
    indexer.rebuild_index(workers=1, chunk_size=7)
    one, counts = postings(), frequencies()
    suggestions = sorted(Suggestion.objects.values_list("key", "kind", "object_id", "popularity"))
    stats = indexer.rebuild_index(workers=2, chunk_size=7)
    assert stats.titles == 60
    assert postings() == one and frequencies() == counts
    assert sorted(Suggestion.objects.values_list("key", "kind", "object_id", "popularity")) == suggestions


def test_words_common_in_descriptions_count_only_elsewhere(add_title, monkeypatch):
    monkeypatch.setattr(indexer, "COMMON_IN_DESCRIPTIONS", 2)
    for n in range(3):
        add_title(f"Повесть {n}", description="Интересная история")
    add_title("История", description="Ещё одна интересная")
    add_title("Рассказ", description="Интересная история")  # "история" is now in 4 titles: not from here
    assert titles("история") == ["История", "Повесть 0", "Повесть 1", "Повесть 2"]
    incremental = postings()
    indexer.rebuild_index()
    assert "Рассказ" not in titles("история") and "Повесть 0" not in titles("история")
    assert titles("история") == ["История"]  # a rebuild applies the rule to every title
    assert len(postings()) < len(incremental)


def test_titles_created_without_the_indexer_are_found_after_reindex(add_title, capsys):
    add_title("Тихий Дон", authors=["Михаил Шолохов"], index=False)
    assert titles("дон") == []
    call_command("reindex")
    assert "Indexed 1 titles" in capsys.readouterr().out
    assert titles("дон") == ["Тихий Дон"] and titles("шолохова") == ["Тихий Дон"]
    call_command("reindex", "--statistics")
    assert titles("дон") == ["Тихий Дон"]


def test_indexing_nothing_or_missing_titles_is_harmless(db):
    indexer.index_titles([])
    indexer.index_titles([987654])
    indexer.remove_titles([987654])
    assert not Posting.objects.exists()


def test_popularity_bucket_is_monotonic():
    buckets = [indexer.popularity_bucket(n) for n in (0, 1, 2, 10, 100, 10_000, 10**9)]
    assert buckets == sorted(buckets) and buckets[0] == 0 and buckets[-1] == 63
