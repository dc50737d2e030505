"""OPDS 1.2: a Feed written as an Atom document (RFC 4287 with the OPDS catalog namespace).

ElementTree escapes `<`, `&` and quotes; characters XML 1.0 cannot carry at all (most C0 controls, lone
surrogates, U+FFFE/FFFF) are dropped first, so a title imported with a stray control byte still yields a feed
every reading app can parse.
"""

import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET  # noqa: N817 — the customary short name

from abonement.opds.feeds import Availability, Entry, Feed, Link

NS = {
    "": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/terms/",
    "opds": "http://opds-spec.org/2010/catalog",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "thr": "http://purl.org/syndication/thread/1.0",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _q(name: str) -> str:
    prefix, _, local = name.rpartition(":")
    return f"{{{NS[prefix]}}}{local}"


def _text(parent: ET.Element, name: str, text: str, **attrib) -> ET.Element:
    element = ET.SubElement(parent, _q(name), attrib)
    element.text = clean(text)
    return element


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(parent: ET.Element, link: Link) -> None:
    attrib = {"rel": link.rel, "href": link.href, "type": link.type}
    if link.title:
        attrib["title"] = clean(link.title)
    if link.facet_group:
        attrib[_q("opds:facetGroup")] = clean(link.facet_group)
        if link.active:  # the grammar allows the attribute only as "true"
            attrib[_q("opds:activeFacet")] = "true"
    if link.count is not None:
        attrib[_q("thr:count")] = str(link.count)
    element = ET.SubElement(parent, _q("link"), attrib)
    if link.indirect_type:
        ET.SubElement(element, _q("opds:indirectAcquisition"), {"type": link.indirect_type})


def _availability(parent: ET.Element, availability: Availability) -> None:
    attrib = {"status": availability.status}
    if availability.since:
        attrib["since"] = _date(availability.since)
    if availability.until:
        attrib["until"] = _date(availability.until)
    ET.SubElement(parent, _q("opds:availability"), attrib)
    if availability.position is not None:
        ET.SubElement(parent, _q("opds:holds"), {"position": str(availability.position)})


def _entry(parent: ET.Element | None, entry: Entry) -> ET.Element:
    element = ET.Element(_q("entry")) if parent is None else ET.SubElement(parent, _q("entry"))
    _text(element, "title", entry.title)
    _text(element, "id", entry.id)
    _text(element, "updated", _date(entry.updated))
    for name in entry.authors:
        author = ET.SubElement(element, _q("author"))
        _text(author, "name", name)
    if entry.language:
        _text(element, "dc:language", entry.language)
    if entry.publisher:
        _text(element, "dc:publisher", entry.publisher)
    if entry.issued:
        _text(element, "dc:issued", str(entry.issued))
    if entry.identifier:
        _text(element, "dc:identifier", entry.identifier)
    for genre in entry.genres:
        ET.SubElement(element, _q("category"), {"term": clean(genre), "label": clean(genre)})
    if entry.summary:
        _text(element, "summary", entry.summary, type="text")
    for link in entry.links:
        _link(element, link)
    if entry.availability:
        _availability(element, entry.availability)
    return element


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def render(feed: Feed) -> bytes:
    root = ET.Element(_q("feed"))
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    _text(root, "updated", _date(feed.updated))
    author = ET.SubElement(root, _q("author"))
    _text(author, "name", "Abonement")
    if feed.total is not None:
        _text(root, "opensearch:totalResults", str(feed.total))
    if feed.per_page:
        _text(root, "opensearch:itemsPerPage", str(feed.per_page))
        _text(root, "opensearch:startIndex", str((feed.page - 1) * feed.per_page + 1))
    for link in feed.links:
        _link(root, link)
    for entry in feed.entries:
        _entry(root, entry)
    return _document(root)


def render_entry(entry: Entry) -> bytes:
    """A standalone entry document: what a borrow answers with."""
    return _document(_entry(None, entry))


def opensearch_description(*, short_name: str, description: str, template: str) -> bytes:
    ns = "http://a9.com/-/spec/opensearch/1.1/"
    root = ET.Element(f"{{{ns}}}OpenSearchDescription")
    for name, text in (("ShortName", short_name[:16]), ("Description", description), ("InputEncoding", "UTF-8")):
        ET.SubElement(root, f"{{{ns}}}{name}").text = clean(text)
    ET.SubElement(root, f"{{{ns}}}Url", {"type": "application/atom+xml;profile=opds-catalog", "template": template})
    return _document(root)
