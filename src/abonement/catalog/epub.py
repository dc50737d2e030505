"""Writing small valid EPUB 3 files (demo books and tests): mimetype first and stored, container, package,
navigation document and one XHTML document per chapter."""

import io
import zipfile
from html import escape

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>
"""


def _xhtml(language: str, title: str, body: str, extra_ns: str = "") -> str:
    lang = escape(language)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml"{extra_ns} xml:lang="{lang}" lang="{lang}">\n'
        f'<head><meta charset="utf-8"/><title>{escape(title)}</title></head>\n<body>\n{body}\n</body>\n</html>\n'
    )


def make_epub(
    *,
    identifier: str,
    title: str,
    author: str,
    language: str,
    chapters: list[tuple[str, list[str]]],
    modified: str = "2024-01-01T00:00:00Z",
) -> bytes:
    """An EPUB 3 book: `chapters` is [(heading, [paragraph, …]), …]."""
    manifest, spine, nav = [], [], []
    documents = {}
    for number, (heading, paragraphs) in enumerate(chapters, start=1):
        name = f"chapter{number:03d}.xhtml"
        body = f"<section><h2>{escape(heading)}</h2>\n" + "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        documents[name] = _xhtml(language, heading, body + "\n</section>")
        manifest.append(f'<item id="c{number}" href="{name}" media-type="application/xhtml+xml"/>')
        spine.append(f'<itemref idref="c{number}"/>')
        nav.append(f'<li><a href="{name}">{escape(heading)}</a></li>')
    documents["nav.xhtml"] = _xhtml(
        language,
        title,
        '<nav epub:type="toc" id="toc"><h1>' + escape(title) + "</h1><ol>" + "".join(nav) + "</ol></nav>",
        ' xmlns:epub="http://www.idpf.org/2007/ops"',
    )
    package = f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="{escape(language)}">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">{escape(identifier)}</dc:identifier>
    <dc:title>{escape(title)}</dc:title>
    <dc:creator>{escape(author)}</dc:creator>
    <dc:language>{escape(language)}</dc:language>
    <meta property="dcterms:modified">{modified}</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    {"".join(manifest)}
  </manifest>
  <spine>{"".join(spine)}</spine>
</package>
"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", CONTAINER, compress_type=zipfile.ZIP_DEFLATED)
        book.writestr("OEBPS/content.opf", package, compress_type=zipfile.ZIP_DEFLATED)
        for name, text in documents.items():
            info = zipfile.ZipInfo(f"OEBPS/{name}", date_time=(2024, 1, 1, 0, 0, 0))
            book.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def silent_mp3(seconds: int = 10) -> bytes:
    """MPEG-1 Layer III frames of silence (128 kbit/s, 44.1 kHz): a tiny playable demo audiobook file."""
    header = bytes([0xFF, 0xFB, 0x90, 0x64])
    frame = header + bytes(417 - len(header))
    return frame * int(seconds * 44100 / 1152)
