"""The validators themselves refuse what is not OPDS: the feed tests can fail."""

import pytest

from abonement.opds.tests.validation import assert_valid_opds1, assert_valid_opds2

FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id><title>T</title><updated>2026-01-01T00:00:00Z</updated>
<author><name>A</name></author><link rel="self" href="{href}" type="application/atom+xml;profile=opds-catalog"/>
</feed>"""


def test_a_minimal_feed_passes():
    assert_valid_opds1(FEED.format(href="http://example.org/opds/").encode())


@pytest.mark.parametrize("href", ["http://example.org/a b", "http://example.org/<x>"])
def test_a_uri_with_a_space_or_angle_brackets_is_refused(href):
    with pytest.raises(AssertionError):
        assert_valid_opds1(FEED.format(href=href.replace("<", "&lt;").replace(">", "&gt;")).encode())


def test_a_feed_without_an_id_is_refused():
    with pytest.raises(AssertionError):
        assert_valid_opds1(FEED.format(href="http://example.org/").replace("<id>urn:x</id>", "").encode())


def test_a_publication_without_an_acquisition_link_is_refused():
    feed = {
        "metadata": {"title": "T"},
        "links": [{"rel": "self", "href": "http://example.org/", "type": "application/opds+json"}],
        "publications": [{"metadata": {"title": "B"}, "links": [{"rel": "alternate", "href": "http://x/"}]}],
    }
    with pytest.raises(AssertionError, match="publications.*links"):
        assert_valid_opds2(feed)


def test_a_bad_language_tag_is_refused_by_the_readium_pattern():
    feed = {
        "metadata": {"title": "T"},
        "links": [{"rel": "self", "href": "http://example.org/", "type": "application/opds+json"}],
        "publications": [
            {
                "metadata": {"title": "B", "language": "not a tag!"},
                "links": [{"rel": "http://opds-spec.org/acquisition", "href": "http://x/", "type": "text/html"}],
            }
        ],
    }
    with pytest.raises(AssertionError, match="language"):
        assert_valid_opds2(feed)
    feed["publications"][0]["metadata"]["language"] = "lv"
    assert_valid_opds2(feed)
