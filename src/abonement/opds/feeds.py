"""What a feed says, independent of how it is written: OPDS 1.2 (Atom XML, opds/atom.py) and OPDS 2.0
(JSON, opds/opds2.py) render the same Feed, so the two twins cannot drift apart."""

from dataclasses import dataclass, field
from datetime import datetime

ATOM = "application/atom+xml"
NAVIGATION = f"{ATOM};profile=opds-catalog;kind=navigation"
ACQUISITION = f"{ATOM};profile=opds-catalog;kind=acquisition"
ENTRY = f"{ATOM};type=entry;profile=opds-catalog"
OPDS2 = "application/opds+json"
OPDS2_PUBLICATION = "application/opds-publication+json"
AUTHENTICATION = "application/opds-authentication+json"
OPENSEARCH = "application/opensearchdescription+xml"
PROBLEM = "application/problem+json"

REL_ACQUISITION = "http://opds-spec.org/acquisition"
REL_OPEN_ACCESS = "http://opds-spec.org/acquisition/open-access"
REL_BORROW = "http://opds-spec.org/acquisition/borrow"
REL_SAMPLE = "http://opds-spec.org/acquisition/sample"
REL_IMAGE = "http://opds-spec.org/image"
REL_THUMBNAIL = "http://opds-spec.org/image/thumbnail"
REL_SHELF = "http://opds-spec.org/shelf"
REL_FACET = "http://opds-spec.org/facet"
REL_SORT_NEW = "http://opds-spec.org/sort/new"
REL_SORT_POPULAR = "http://opds-spec.org/sort/popular"
REL_AUTHENTICATION = "http://opds-spec.org/auth/document"


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str
    title: str = ""
    facet_group: str = ""  # opds:facetGroup of a facet link
    active: bool = False  # opds:activeFacet
    count: int | None = None  # thr:count: how many entries the link leads to
    indirect_type: str = ""  # opds:indirectAcquisition: what the acquisition finally yields


@dataclass(frozen=True)
class Availability:
    """Where the reader stands with a title after a borrow or on the shelf (OPDS "friendly status")."""

    status: str  # available | reserved | ready | unavailable
    since: datetime | None = None
    until: datetime | None = None
    position: int | None = None  # place in the queue


@dataclass
class Entry:
    id: str
    title: str
    updated: datetime
    links: list[Link] = field(default_factory=list)
    # Publications only (a navigation entry has a title, one link and maybe a count):
    authors: list[str] = field(default_factory=list)
    summary: str = ""
    language: str = ""
    publisher: str = ""
    issued: int | None = None
    identifier: str = ""  # urn:isbn:… when the title has an ISBN
    genres: list[str] = field(default_factory=list)
    series: str = ""
    series_position: int | None = None
    kind: str = "book"  # book | audiobook
    availability: Availability | None = None

    @property
    def is_publication(self) -> bool:
        return any(link.rel.startswith(REL_ACQUISITION) for link in self.links)


@dataclass
class Feed:
    id: str
    title: str
    updated: datetime
    kind: str  # navigation | acquisition
    links: list[Link] = field(default_factory=list)  # self, start, up, search, shelf, next, previous, facets…
    entries: list[Entry] = field(default_factory=list)
    page: int = 1
    per_page: int = 0
    total: int | None = None  # known for search results; None when the feed pages without counting
