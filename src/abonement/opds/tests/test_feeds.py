"""Public feeds: navigation, acquisition with facets and paging, search, discovery, caching; both twins."""

import json

import feedparser
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from abonement.catalog.models import Author, TitleAuthor
from abonement.catalog.search import indexer
from abonement.opds import views
from abonement.opds.tests.validation import assert_valid_opds1


def _parsed(response):
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def _rel(links, rel):
    return [link for link in links if link.get("rel") == rel]


def test_root_links_sections_shelf_search_and_its_twin(opds, library, catalog):
    response = opds.get(f"/opds/{library.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml;profile=opds-catalog;kind=navigation"
    feed = _parsed(response).feed
    assert feed.title == "Central & <Co>"
    rels = {link.rel: link for link in feed.links}
    assert rels["http://opds-spec.org/shelf"].href.endswith(f"/opds/{library.pk}/shelf/")
    assert rels["search"].type == "application/opensearchdescription+xml"
    assert rels["alternate"].href.endswith(f"/opds/{library.pk}/v2/")
    assert rels["alternate"].type == "application/opds+json"
    entries = [entry.title for entry in _parsed(response).entries]
    assert entries == ["New", "Popular", "Genres", "Series", "Authors", "My books"]

    twin = opds.get(f"/opds/{library.pk}/v2/")
    data = json.loads(twin.content)
    assert [item["title"] for item in data["navigation"]] == entries
    assert {link["rel"] for link in data["links"]} >= {"self", "start", "search", "http://opds-spec.org/shelf"}


def test_acquisition_feed_has_authors_summaries_covers_and_borrow(opds, library, catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    title = catalog["titles"][6]
    title.cover.save("cover.png", ContentFile(b"png"))
    response = opds.get(f"/opds/{library.pk}/popular/")
    assert response["Content-Type"] == "application/atom+xml;profile=opds-catalog;kind=acquisition"
    entries = _parsed(response).entries
    assert [entry.title for entry in entries] == [f"Book {n}" for n in range(6, -1, -1)]
    first = entries[0]
    assert first.author == 'Jane "Q" <Doe> & Co'
    assert first.summary == "About book 6"
    assert first.dcterms_identifier == "urn:isbn:9780000000006"
    assert first.tags[0].term == "Novels & <stories>"
    image = _rel(first.links, "http://opds-spec.org/image")[0]
    assert image.type == "image/png" and image.href.startswith("http://testserver/")
    assert _rel(first.links, "http://opds-spec.org/image/thumbnail")
    borrow = _rel(first.links, "http://opds-spec.org/acquisition/borrow")[0]
    assert borrow.href.endswith(f"/opds/{library.pk}/titles/{title.pk}/borrow/")
    assert _rel(first.links, "http://opds-spec.org/acquisition/sample")

    data = json.loads(opds.get(f"/opds/{library.pk}/v2/popular/").content)
    publication = data["publications"][0]
    assert publication["metadata"]["@type"] == "http://schema.org/Book"
    assert publication["metadata"]["author"] == [{"name": 'Jane "Q" <Doe> & Co'}]
    assert publication["images"][0]["type"] == "image/png"
    assert any(link["rel"] == "http://opds-spec.org/acquisition/borrow" for link in publication["links"])


def test_paging_and_facets(opds, library, catalog, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 3)
    genre = catalog["genre"]
    first = _parsed(opds.get(f"/opds/{library.pk}/authors/{catalog['author'].pk}/"))
    assert [entry.title for entry in first.entries] == ["Book 0", "Book 1", "Book 2"]
    next_link = _rel(first.feed.links, "next")[0].href
    second = _parsed(opds.get(next_link.removeprefix("http://testserver")))
    assert [entry.title for entry in second.entries] == ["Book 3"]
    assert not _rel(second.feed.links, "next")
    assert _rel(second.feed.links, "previous")

    facets = _rel(first.feed.links, "http://opds-spec.org/facet")
    assert [facet.title for facet in facets] == ["New", "Popular", "By title"]
    assert {facet["opds:facetgroup"] for facet in facets} == {"Order"}
    assert [facet.get("opds:activefacet") for facet in facets] == [None, None, "true"]
    popular = next(facet for facet in facets if facet.title == "Popular")
    by_popularity = _parsed(opds.get(popular.href.removeprefix("http://testserver")))
    assert [entry.title for entry in by_popularity.entries] == ["Book 3", "Book 2", "Book 1"]

    in_genre = _parsed(opds.get(f"/opds/{library.pk}/genres/{genre.pk}/"))
    assert [entry.title for entry in in_genre.entries] == ["Book 0", "Book 2", "Book 4"]
    data = json.loads(opds.get(f"/opds/{library.pk}/v2/genres/{genre.pk}/").content)
    assert data["metadata"]["itemsPerPage"] == 3 and data["metadata"]["currentPage"] == 1
    assert any(link["rel"] == "next" for link in data["links"])
    assert [facet["metadata"]["title"] for facet in data["facets"]] == ["Order"]


def test_lists_of_genres_series_authors_lead_to_their_feeds(opds, library, catalog):
    for name, expected in (("genres", "Novels & <stories>"), ("series", "Saga"), ("authors", "Jane")):
        parsed = _parsed(opds.get(f"/opds/{library.pk}/{name}/"))
        entry = next(entry for entry in parsed.entries if entry.title.startswith(expected))
        target = _parsed(opds.get(entry.links[0].href.removeprefix("http://testserver")))
        assert target.entries, name
    saga = _parsed(opds.get(f"/opds/{library.pk}/series/{catalog['series'].pk}/"))
    assert [entry.title for entry in saga.entries] == ["Book 0", "Book 1"]
    data = json.loads(opds.get(f"/opds/{library.pk}/v2/series/{catalog['series'].pk}/").content)
    assert data["publications"][1]["metadata"]["belongsTo"] == {"series": [{"name": "Saga", "position": 2}]}


def test_titles_with_markup_quotes_and_control_characters_stay_valid(opds, library, title_factory):
    nasty = "Tom & Jerry <b>\"bold\"</b> 'q' \x01\x0b\x1f\ufffe end"  # NUL: PostgreSQL refuses it itself
    title = title_factory(title=nasty, description="a < b && c\x07")
    author = Author.objects.create(name="A <&> B\x02", sort_name="A")
    TitleAuthor.objects.create(title=title, author=author)
    response = opds.get(f"/opds/{library.pk}/new/")
    document = assert_valid_opds1(response.content)
    entry = _parsed(response).entries[0]
    assert entry.title == "Tom & Jerry <b>\"bold\"</b> 'q'  end"
    assert entry.summary == "a < b && c"
    assert entry.author == "A <&> B"
    assert document.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title").text == entry.title
    data = json.loads(opds.get(f"/opds/{library.pk}/v2/new/").content)
    assert data["publications"][0]["metadata"]["title"] == nasty


def test_titles_the_library_does_not_lend_are_left_out(opds, library, catalog):
    access = library.catalog_access
    access.whole_catalog = False
    access.save()
    access.titles.add(catalog["titles"][3])
    parsed = _parsed(opds.get(f"/opds/{library.pk}/new/"))
    assert [entry.title for entry in parsed.entries] == ["Book 3"]


def test_public_feeds_answer_304_to_a_matching_etag_or_date(opds, library, catalog):
    response = opds.get(f"/opds/{library.pk}/new/")
    assert "public" in response["Cache-Control"]
    etag, modified = response["ETag"], response["Last-Modified"]
    assert opds.get(f"/opds/{library.pk}/new/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert opds.get(f"/opds/{library.pk}/new/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    catalog["titles"][0].title = "Renamed"
    catalog["titles"][0].save()
    changed = opds.get(f"/opds/{library.pk}/new/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_search_uses_the_catalogue_search(opds, library, catalog):
    indexer.rebuild_index()
    description = opds.get(f"/opds/{library.pk}/opensearch.xml")
    assert description["Content-Type"] == "application/opensearchdescription+xml"
    assert b"/search/?q={searchTerms}" in description.content
    parsed = _parsed(opds.get(f"/opds/{library.pk}/search/?q=Book+5"))
    assert parsed.entries[0].title == "Book 5"
    assert int(parsed.feed.opensearch_totalresults) >= 1
    data = json.loads(opds.get(f"/opds/{library.pk}/v2/search/?q=Book+5").content)
    assert data["publications"][0]["metadata"]["title"] == "Book 5"
    empty = json.loads(opds.get(f"/opds/{library.pk}/v2/search/?q=zzzzqqq").content)
    assert "publications" not in empty and empty["metadata"]["numberOfItems"] == 0


@pytest.mark.parametrize("path", ["/", "/catalog/", "/catalog/browse/new/"])
def test_pages_advertise_the_feeds(client, db, path):
    html = client.get(path).content.decode()
    href = reverse("opds:libraries")
    assert (
        f'<link rel="alternate" type="application/atom+xml;profile=opds-catalog;kind=navigation" href="{href}"' in html
    )


def test_site_feed_lists_every_library(opds, library, library_factory):
    other = library_factory(name="Branch")
    parsed = _parsed(opds.get("/opds/"))
    assert [entry.title for entry in parsed.entries] == ["Branch", "Central & <Co>"]
    assert parsed.entries[0].links[0].href.endswith(f"/opds/{other.pk}/")
    data = json.loads(opds.get("/opds/v2/").content)
    assert data["navigation"][1]["href"].endswith(f"/opds/{library.pk}/v2/")


def test_feed_page_queries_do_not_grow_with_entries(
    opds, library, catalog, title_factory, django_assert_max_num_queries
):
    for number in range(40):
        title = title_factory(title=f"More {number}")
        TitleAuthor.objects.create(title=title, author=catalog["author"])
        title.genres.add(catalog["genre"])
    with django_assert_max_num_queries(6):
        response = opds.get(f"/opds/{library.pk}/new/")
    assert len(_parsed(response).entries) == 47
    with django_assert_max_num_queries(6):
        opds.get(f"/opds/{library.pk}/v2/genres/{catalog['genre'].pk}/")
