"""Editions of one work (the demo's paper and e-book records, different years) are one search result with
format choices (issue #13, SPEC C4)."""

import re

import pytest

from abonement.catalog.models import Format, Title
from abonement.catalog.search.query import search
from abonement.core.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo writes EPUB fragments
    return load_demo()


def test_the_demo_paper_and_e_book_are_one_result(demo):
    editions = Title.objects.filter(title="Евгений Онегин")
    assert {t.format for t in editions} == {Format.EBOOK, Format.PAPER}
    assert len({t.year for t in editions}) == 2  # 1833 and the paper edition's year

    results = search("Евгений Онегин")
    shown = [t for t in results.titles if t.title == "Евгений Онегин"]
    assert len(shown) == 1
    formats = {shown[0].format, *(e.format for e in shown[0].editions)}
    assert formats == {Format.EBOOK, Format.PAPER}
    assert results.total == len(results.titles)
    # Every edition stays a candidate (collections pick the e-book of a work by these ids).
    assert set(editions.values_list("pk", flat=True)) <= set(results.ids)


def test_the_page_links_each_edition(client, demo):
    html = client.get("/catalog/", {"q": "Евгений Онегин"}).content.decode()
    paper = Title.objects.get(title="Евгений Онегин", format=Format.PAPER)
    ebook = Title.objects.get(title="Евгений Онегин", format=Format.EBOOK)
    assert html.count('class="title-card"') == 1
    assert f'href="/catalog/titles/{paper.pk}/"' in html and f'href="/catalog/titles/{ebook.pk}/"' in html
    assert re.search(r"Other editions|Другие издания", html)


def test_same_title_by_different_authors_stays_apart(add_title, found):
    add_title("Детство", authors=["Лев Толстой"])
    add_title("Детство", authors=["Максим Горький"])
    add_title("Детство", authors=["Лев Толстой"], format="paper", year=2001)
    results = search("детство")
    assert len(results.titles) == 2
    assert sorted(len(t.editions) for t in results.titles) == [0, 1]


def test_phones_get_a_filters_button_above_the_results(client, add_title):
    add_title("Война и мир", authors=["Лев Толстой"])
    html = client.get("/catalog/", {"q": "война"}).content.decode()
    assert html.index('href="#refine"') < html.index('class="title-card"') < html.index('id="refine"')
