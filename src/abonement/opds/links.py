"""Every URL a feed hands out, in one place: feed URLs of both twins, and the links of one publication.

`loan_acquisition` is the one function that says where a borrowed title is read: the content views will sign
their URLs (issue #16, content access), and only this function changes then.
"""

from functools import lru_cache

from django.urls import reverse

from abonement.catalog.models import Format, Title
from abonement.opds import feeds
from abonement.opds.feeds import Link

EPUB = "application/epub+zip"
HTML = "text/html"
AUDIO = "audio/mpeg"
COVER_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


SENTINEL = 987654321  # stands for the title id in a reversed URL, replaced per entry


@lru_cache(maxsize=256)
def _path_template(url_name: str, kwargs: tuple) -> str:
    """A URL pattern's path with `{}` where the title id goes: reversed once, not fifty times a feed page."""
    return reverse(url_name, kwargs={**dict(kwargs), "title_id": SENTINEL}).replace(str(SENTINEL), "{}")


def _origin(request) -> str:
    """scheme://host of the request, worked out (host validated) once per request."""
    if not hasattr(request, "_opds_origin"):
        request._opds_origin = request.build_absolute_uri("/").removesuffix("/")
    return request._opds_origin


def _title_url(request, url_name: str, title_id: int, **kwargs) -> str:
    return _origin(request) + _path_template(url_name, tuple(sorted(kwargs.items()))).format(title_id)


def feed_url(request, name: str, *, library_id: int, version: int, query: str = "", **kwargs) -> str:
    """The absolute URL of feed `name` of a library, OPDS 1.2 (version 1) or its OPDS 2.0 twin (version 2)."""
    url_name = f"opds:{name}" if version == 1 else f"opds:{name}_v2"
    url = request.build_absolute_uri(reverse(url_name, kwargs={"library_id": library_id, **kwargs}))
    return f"{url}?{query}" if query else url


def feed_type(kind: str, version: int) -> str:
    if version == 2:
        return feeds.OPDS2
    return feeds.NAVIGATION if kind == "navigation" else feeds.ACQUISITION


def title_id(title: Title) -> str:
    return f"urn:abonement:title:{title.pk}"


def _content_type(title: Title) -> str:
    return AUDIO if title.format == Format.AUDIOBOOK else EPUB


def loan_acquisition(request, title: Title) -> Link:
    """Where the reader of an open loan gets the book. Until the signed content views exist this is the
    title's reading page, which the loan opens in the browser."""
    return Link(
        href=_title_url(request, "catalog:fragment", title.pk),
        rel=feeds.REL_ACQUISITION,
        type=HTML,
        title=str(title),
    )


def publication_links(request, *, library_id: int, title: Title, borrowed: bool, version: int) -> list[Link]:
    """The book page, cover and thumbnail, the fragment as a sample, and borrow (or, on loan, the book)."""
    links = [
        Link(
            href=_title_url(request, "catalog:title", title.pk),
            rel="alternate",
            type=HTML,
        )
    ]
    if title.cover:
        extension = title.cover.name.rpartition(".")[2].lower()
        cover_type = COVER_TYPES.get(extension, "image/jpeg")
        cover = _origin(request) + title.cover.url if title.cover.url.startswith("/") else title.cover.url
        links += [Link(href=cover, rel=feeds.REL_IMAGE, type=cover_type)]
        links += [Link(href=cover, rel=feeds.REL_THUMBNAIL, type=cover_type)]
    links.append(
        Link(
            href=_title_url(request, "catalog:fragment", title.pk),
            rel=feeds.REL_SAMPLE,
            type=HTML,
        )
    )
    if borrowed:
        links.append(loan_acquisition(request, title))
    else:
        links.append(
            Link(
                href=_title_url(
                    request, "opds:borrow" if version == 1 else "opds:borrow_v2", title.pk, library_id=library_id
                ),
                rel=feeds.REL_BORROW,
                type=feeds.ENTRY if version == 1 else feeds.OPDS2_PUBLICATION,
                indirect_type=_content_type(title),
            )
        )
    return links
