"""Signed content URLs (SPEC L8): Range requests, 206/416, and a saved link that stops at the loan's end."""

import io
import time
import zipfile

import pytest
from django.core import signing
from django.test import Client

from abonement.circulation import services as circulation
from abonement.reading import content
from abonement.reading.tests.conftest import signed_in


@pytest.fixture
def loan(card, ebook):
    return circulation.take(card=card, title=ebook)


@pytest.mark.django_db
class TestSignedContent:
    def test_whole_file_and_ranges_without_a_session(self, loan, ebook):
        url = content.signed_url(loan=loan)
        whole = Client().get(url)
        data = b"".join(whole.streaming_content)
        assert whole.status_code == 200 and data == ebook.content.open("rb").read()
        assert whole["Accept-Ranges"] == "bytes" and whole["Cache-Control"] == "private, no-store"
        part = Client().get(url, HTTP_RANGE="bytes=10-19")
        assert part.status_code == 206
        assert part["Content-Range"] == f"bytes 10-19/{len(data)}" and part["Content-Length"] == "10"
        assert b"".join(part.streaming_content) == data[10:20]
        tail = Client().get(url, HTTP_RANGE="bytes=-5")
        assert b"".join(tail.streaming_content) == data[-5:]
        open_ended = Client().get(url, HTTP_RANGE=f"bytes={len(data) - 3}-")
        assert b"".join(open_ended.streaming_content) == data[-3:]

    def test_a_range_outside_the_file_is_416(self, loan, ebook):
        url = content.signed_url(loan=loan)
        size = ebook.content.size
        response = Client().get(url, HTTP_RANGE=f"bytes={size}-{size + 10}")
        assert response.status_code == 416 and response["Content-Range"] == f"bytes */{size}"
        assert Client().get(url, HTTP_RANGE="bytes=20-10").status_code == 416

    def test_a_saved_link_after_the_loan_ends_is_403(self, loan, card):
        url = content.signed_url(loan=loan)
        assert Client().get(url).status_code == 200
        circulation.return_loan(loan=loan, actor=card.user)
        response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
        assert response.status_code == 403
        assert "The loan of this book has ended" in response.content.decode()

    def test_a_link_past_its_lifetime_or_tampered_is_403(self, loan):
        signer = signing.TimestampSigner(salt=content.SALT)
        old = f"{loan.pk}:{signing.b62_encode(int(time.time()) - content.LINK_SECONDS - 60)}"
        assert Client().get(f"/read/content/{old}:{signer.signature(old)}/").status_code == 403
        token = content.signed_url(loan=loan).split("/")[-2]
        forged = token.replace(f"{loan.pk}:", f"{loan.pk + 1}:", 1)
        assert Client().get(f"/read/content/{forged}/").status_code == 403

    def test_the_file_is_sent_in_chunks(self, loan, settings, ebook, monkeypatch):
        monkeypatch.setattr(content, "CHUNK_BYTES", 1024)
        response = Client().get(content.signed_url(loan=loan))
        chunks = list(response.streaming_content)
        assert len(chunks) == -(-ebook.content.size // 1024) and max(map(len, chunks)) == 1024


class TestByteRange:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [(None, None), ("bytes=0-0", (0, 0)), ("bytes=5-", (5, 99)), ("bytes=90-500", (90, 99)), ("items=1-2", None)],
    )
    def test_ranges(self, header, expected):
        assert content.byte_range(header, 100) == expected

    @pytest.mark.parametrize("header", ["bytes=100-", "bytes=-0", "bytes=7-3"])
    def test_unsatisfiable(self, header):
        with pytest.raises(content.RangeNotSatisfiable):
            content.byte_range(header, 100)


@pytest.mark.django_db
class TestReaderPages:
    def test_the_reader_page_carries_a_signed_link_and_a_csp_for_blob_frames(self, loan, card):
        client = signed_in(card.user)
        response = client.get(f"/read/loans/{loan.pk}/")
        page = response.content.decode()
        assert response.status_code == 200 and 'data-book-url="/read/content/' in page
        policy = response["Content-Security-Policy"]
        assert "frame-src blob:" in policy and "script-src 'self';" in policy

    def test_another_readers_loan_is_404(self, loan, card_factory, library):
        other = card_factory(library=library)
        assert signed_in(other.user).get(f"/read/loans/{loan.pk}/").status_code == 404

    def test_a_broken_epub_opens_with_a_clear_message(self, loan, card, ebook):
        data = ebook.content.open("rb").read()
        with open(ebook.content.path, "wb") as truncated:
            truncated.write(data[: len(data) // 2])
        response = signed_in(card.user).get(f"/read/loans/{loan.pk}/")
        assert response.status_code == 422 and "its file is damaged" in response.content.decode()

    def test_an_epub_without_container_xml(self, loan, card, ebook):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as book:
            book.writestr("mimetype", "application/epub+zip")
            book.writestr("OEBPS/chapter.xhtml", "<html/>")
        with open(ebook.content.path, "wb") as broken:
            broken.write(buffer.getvalue())
        assert signed_in(card.user).get(f"/read/loans/{loan.pk}/").status_code == 422

    def test_the_audio_player_page(self, card, audiobook):
        loan = circulation.take(card=card, title=audiobook)
        page = signed_in(card.user).get(f"/read/loans/{loan.pk}/").content.decode()
        assert 'id="player-audio"' in page and 'src="/read/content/' in page

    def test_the_book_page_links_the_reader(self, loan, card, ebook):
        page = signed_in(card.user).get(f"/catalog/titles/{ebook.pk}/").content.decode()
        assert f'href="/read/loans/{loan.pk}/"' in page
