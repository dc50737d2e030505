"""Fragments (SPEC C5, L8): the first ~20% of an e-book's text, the opening minutes of an audiobook.

Open to anyone and never a loan: reading a fragment costs no credits. The EPUB is read as a zip:
META-INF/container.xml names the package (OPF), whose spine lists the XHTML documents in reading order;
their text is taken with the standard library's HTML parser (no markup, scripts or styles reach the page)
and cut at about a fifth of the book's characters, on a word boundary.
"""

import posixpath
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote
from xml.etree import ElementTree

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Format, Title
from abonement.core.errors import DomainError

SHARE = 0.2
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # one XHTML file, unpacked
MAX_BOOK_BYTES = 100 * 1024 * 1024  # all spine documents, unpacked
MAX_METADATA_BYTES = 1024 * 1024  # container.xml and the OPF
AUDIO_FRAGMENT_BYTES = 3 * 1024 * 1024  # about three minutes at 128 kbit/s
CACHE_SECONDS = 24 * 3600
AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".m4b": "audio/mp4", ".ogg": "audio/ogg", ".oga": "audio/ogg"}

BLOCKS = {"p", "div", "li", "blockquote", "dd", "dt", "pre", "tr", "section", "article", "figcaption", "td"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SKIPPED = {"head", "script", "style", "title", "nav", "svg", "math", "template"}


class NoFragment(DomainError):
    code = "no_fragment"
    status = 404
    message = _("There is no fragment of this title to read or listen to.")


class BrokenBook(DomainError):
    code = "broken_book"
    status = 404
    message = _("The fragment cannot be shown: the book file is damaged.")


@dataclass(frozen=True)
class Block:
    heading: bool
    text: str


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._words: list[str] = []
        self._skip = 0
        self._heading = 0

    def _flush(self):
        text = " ".join(" ".join(self._words).split())
        self._words = []
        if text:
            self.blocks.append(Block(heading=self._heading > 0, text=text))

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skip += 1
        elif tag in BLOCKS or tag in HEADINGS or tag == "br":
            if tag == "br":
                self._words.append(" ")
                return
            self._flush()
            if tag in HEADINGS:
                self._heading += 1

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self._words.append(" ")

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCKS or tag in HEADINGS:
            self._flush()
            if tag in HEADINGS:
                self._heading = max(0, self._heading - 1)

    def handle_data(self, data):
        if not self._skip:
            self._words.append(data)

    def close(self):
        super().close()
        self._flush()


def _xml(data: bytes) -> ElementTree.Element:
    """container.xml or the OPF. Entity declarations (the "billion laughs") are refused before parsing;
    ElementTree never fetches external entities or DTDs."""
    if b"<!ENTITY" in data or b"<!entity" in data:
        raise BrokenBook
    try:
        return ElementTree.fromstring(data)  # noqa: S314 — entity declarations refused above
    except ElementTree.ParseError as exc:
        raise BrokenBook from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read(book: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        info = book.getinfo(name)
    except KeyError as exc:
        raise BrokenBook from exc
    if info.file_size > limit:
        raise BrokenBook
    with book.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise BrokenBook
    return data


def spine_documents(book: zipfile.ZipFile) -> list[str]:
    """Zip member names of the spine's documents, in reading order."""
    container = _xml(_read(book, "META-INF/container.xml", MAX_METADATA_BYTES))
    rootfile = next((el for el in container.iter() if _local(el.tag) == "rootfile"), None)
    if rootfile is None or not rootfile.get("full-path"):
        raise BrokenBook
    opf_path = rootfile.get("full-path")
    package = _xml(_read(book, opf_path, MAX_METADATA_BYTES))
    base = posixpath.dirname(opf_path)
    manifest = {}
    for el in package.iter():
        if _local(el.tag) == "item" and el.get("id") and el.get("href"):
            manifest[el.get("id")] = (el.get("href"), el.get("media-type", ""))
    documents = []
    for el in package.iter():
        if _local(el.tag) == "itemref" and el.get("linear", "yes") != "no":
            href, media_type = manifest.get(el.get("idref"), (None, ""))
            if href and media_type in ("application/xhtml+xml", "text/html", ""):
                path = posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))
                if not path.startswith("../"):
                    documents.append(path)
    if not documents:
        raise BrokenBook
    return documents


def epub_blocks(fileobj) -> list[Block]:
    """Every paragraph and heading of an EPUB, in reading order."""
    try:
        book = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BrokenBook from exc
    blocks: list[Block] = []
    total = 0
    with book:
        for name in spine_documents(book):
            data = _read(book, name, MAX_DOCUMENT_BYTES)
            total += len(data)
            if total > MAX_BOOK_BYTES:
                raise BrokenBook
            parser = _TextParser()
            parser.feed(data.decode("utf-8", errors="replace"))
            parser.close()
            blocks.extend(parser.blocks)
    return blocks


def first_share(blocks: list[Block], share: float = SHARE) -> tuple[list[Block], bool]:
    """The opening `share` of the text (by characters), cut at a word; (blocks, whether the book goes on)."""
    total = sum(len(b.text) for b in blocks)
    budget = max(1, int(total * share))
    taken: list[Block] = []
    used = 0
    for block in blocks:
        if used + len(block.text) <= budget:
            taken.append(block)
            used += len(block.text)
            continue
        room = budget - used
        if room >= 40 and not block.heading:
            cut = block.text[:room]
            cut = re.sub(r"\s+\S*$", "", cut) or cut
            taken.append(Block(heading=False, text=cut + " …"))
        break
    if not taken and blocks:
        taken.append(blocks[0])
    return taken, len(taken) < len(blocks) or used < total


def text_fragment(title: Title) -> list[Block]:
    """The fragment of an e-book title (cached per content file); NoFragment when it has no EPUB."""
    if title.format != Format.EBOOK or not title.content:
        raise NoFragment
    key = f"catalog:fragment:{title.pk}:{title.content.name}"
    cached = cache.get(key)
    if cached is not None:
        return [Block(heading=h, text=t) for h, t in cached]
    try:
        with title.content.open("rb") as fileobj:
            blocks, _more = first_share(epub_blocks(fileobj))
    except FileNotFoundError as exc:
        raise NoFragment from exc
    cache.set(key, [(b.heading, b.text) for b in blocks], CACHE_SECONDS)
    return blocks


def audio_type(title: Title) -> str:
    """The content type of an audiobook's playable file; NoFragment when there is none."""
    if title.format != Format.AUDIOBOOK or not title.content:
        raise NoFragment
    content_type = AUDIO_TYPES.get(PurePosixPath(title.content.name).suffix.lower())
    if content_type is None or not title.content.storage.exists(title.content.name):
        raise NoFragment
    return content_type


def audio_fragment(title: Title) -> tuple[bytes, str]:
    """(the opening bytes of an audiobook's file, its content type)."""
    content_type = audio_type(title)
    try:
        with title.content.open("rb") as fileobj:
            return fileobj.read(AUDIO_FRAGMENT_BYTES), content_type
    except FileNotFoundError as exc:
        raise NoFragment from exc


def has_fragment(title: Title) -> bool:
    return bool(title.content) and title.format in (Format.EBOOK, Format.AUDIOBOOK)
