"""OPDS 2.0: a Feed written as application/opds+json, publications with Readium Web Publication metadata."""

from datetime import UTC, datetime

from abonement.opds.feeds import (
    ACQUISITION,
    ENTRY,
    NAVIGATION,
    OPDS2,
    OPDS2_PUBLICATION,
    REL_IMAGE,
    REL_THUMBNAIL,
    Entry,
    Feed,
    Link,
)

SCHEMA_TYPES = {"book": "http://schema.org/Book", "audiobook": "http://schema.org/Audiobook"}
# OPDS 1.2 feeds link one another with Atom types; the JSON twin links the JSON twins.
TWIN_TYPES = {NAVIGATION: OPDS2, ACQUISITION: OPDS2, ENTRY: OPDS2_PUBLICATION}


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(link: Link) -> dict:
    data = {"href": link.href, "type": TWIN_TYPES.get(link.type, link.type), "rel": link.rel}
    if link.title:
        data["title"] = link.title
    properties = {}
    if link.count is not None:
        properties["numberOfItems"] = link.count
    if link.indirect_type:
        properties["indirectAcquisition"] = [{"type": link.indirect_type}]
    if properties:
        data["properties"] = properties
    return data


def _publication(entry: Entry) -> dict:
    metadata = {
        "@type": SCHEMA_TYPES[entry.kind],
        "identifier": entry.identifier or entry.id,
        "title": entry.title,
        "modified": _date(entry.updated),
    }
    if entry.authors:
        metadata["author"] = [{"name": name} for name in entry.authors]
    if entry.language:
        metadata["language"] = entry.language
    if entry.publisher:
        metadata["publisher"] = entry.publisher
    if entry.issued:
        metadata["published"] = str(entry.issued)
    if entry.summary:
        metadata["description"] = entry.summary
    if entry.genres:
        metadata["subject"] = [{"name": genre} for genre in entry.genres]
    if entry.series:
        series = {"name": entry.series}
        if entry.series_position is not None:
            series["position"] = entry.series_position
        metadata["belongsTo"] = {"series": [series]}
    images = [link for link in entry.links if link.rel in (REL_IMAGE, REL_THUMBNAIL)]
    data = {
        "metadata": metadata,
        "links": [_link(link) for link in entry.links if link not in images],
    }
    if images:
        data["images"] = [{"href": link.href, "type": link.type} for link in images]
    if entry.availability:
        status = {"state": entry.availability.status}
        if entry.availability.since:
            status["since"] = _date(entry.availability.since)
        if entry.availability.until:
            status["until"] = _date(entry.availability.until)
        for link in data["links"]:
            if link["rel"].startswith("http://opds-spec.org/acquisition"):
                link.setdefault("properties", {})["availability"] = status
    return data


def render(feed: Feed) -> dict:
    metadata = {"title": feed.title, "modified": _date(feed.updated)}
    if feed.per_page:
        metadata.update(itemsPerPage=feed.per_page, currentPage=feed.page)
    if feed.total is not None:
        metadata["numberOfItems"] = feed.total
    facet_links = [link for link in feed.links if link.facet_group]
    data = {"metadata": metadata, "links": [_link(link) for link in feed.links if link not in facet_links]}
    groups: dict[str, list[dict]] = {}
    for link in facet_links:
        groups.setdefault(link.facet_group, []).append(_link(link) | ({"rel": "self"} if link.active else {}))
    if groups:
        data["facets"] = [{"metadata": {"title": title}, "links": links} for title, links in groups.items()]
    if feed.kind == "navigation":
        if feed.entries:
            data["navigation"] = [
                {"href": entry.links[0].href, "title": entry.title, "type": OPDS2, "rel": entry.links[0].rel}
                for entry in feed.entries
            ]
        else:  # the schema asks for one collection at least: an empty list page still says what it is
            data["navigation"] = [{"href": feed.links[0].href, "title": feed.title, "type": OPDS2, "rel": "self"}]
    else:
        data["publications"] = [_publication(entry) for entry in feed.entries]
        if not data["publications"]:
            # An empty shelf or search: the schema wants publications to have one item when present.
            data["navigation"] = [{"href": feed.links[0].href, "title": feed.title, "type": OPDS2, "rel": "self"}]
            del data["publications"]
    return data


def render_publication(entry: Entry) -> dict:
    return _publication(entry)
