"""SPEC C5/L8: the fragment — the first ~20% of an EPUB's text, the opening minutes of an audiobook — for
anyone, never a loan."""

import io
import re
import zipfile

import pytest
from django.core.files.base import ContentFile

from abonement.catalog import fragments
from abonement.catalog.epub import silent_mp3
from abonement.catalog.tests.conftest import book


def fragment_text(response) -> str:
    page = response.content.decode()
    return page[page.index('data-testid="fragment"') : page.index("The fragment ends here.")]


@pytest.fixture
def ebook(make_title, media):
    title = make_title("Grāmata", language="lv", is_free=False, price=1)
    title.content.save("test/book.epub", ContentFile(book()), save=True)
    return title


@pytest.mark.django_db
class TestTextFragment:
    def test_about_a_fifth_of_the_text_and_never_the_end(self, client, ebook):
        response = client.get(f"/catalog/titles/{ebook.pk}/fragment/")
        assert response.status_code == 200
        shown = fragment_text(response)
        assert "c1p1" in shown and "Nodaļa 1" in shown and "Nodaļa 2" in shown
        assert "c10p5" not in shown and "c5p1" not in shown
        paragraphs = re.findall(r"c\d+p\d+", shown)
        assert 8 <= len(paragraphs) <= 12  # 20% of 50 paragraphs, give or take the cut one

    def test_the_share_is_counted_in_characters(self):
        blocks = fragments.epub_blocks(io.BytesIO(book()))
        taken, more = fragments.first_share(blocks)
        total = sum(len(b.text) for b in blocks)
        shown = sum(len(b.text) for b in taken)
        assert more and 0.17 * total <= shown <= 0.21 * total

    def test_book_page_links_the_fragment_and_it_costs_nothing_to_open(self, client, ebook):
        page = client.get(f"/catalog/titles/{ebook.pk}/").content.decode()
        assert f'href="/catalog/titles/{ebook.pk}/fragment/"' in page and "Read fragment" in page

    def test_markup_and_scripts_never_reach_the_page(self, client, make_title, media):
        data = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(book()), "r") as source, zipfile.ZipFile(data, "w") as target:
            for info in source.infolist():
                content = source.read(info)
                if info.filename.endswith("chapter001.xhtml"):
                    content = content.replace(
                        b"<section>",
                        b"<section><script>alert('x')</script><p>Drosh &amp; <b>bold</b> &lt;tag&gt;</p>",
                    )
                target.writestr(info, content)
        title = make_title("Ar skriptu", language="lv")
        title.content.save("test/script.epub", ContentFile(data.getvalue()), save=True)
        shown = fragment_text(client.get(f"/catalog/titles/{title.pk}/fragment/"))
        assert "alert" not in shown and "<b>" not in shown
        assert "Drosh &amp; bold &lt;tag&gt;" in shown

    def test_a_title_without_a_book_file_has_no_fragment(self, client, make_title):
        title = make_title()
        response = client.get(f"/catalog/titles/{title.pk}/fragment/")
        assert response.status_code == 404
        assert "There is no fragment of this title" in response.content.decode()

    def test_a_damaged_book_file_is_a_clear_404(self, client, make_title, media):
        title = make_title("Bojāta")
        title.content.save("test/broken.epub", ContentFile(b"PK\x03\x04 not really a zip"), save=True)
        response = client.get(f"/catalog/titles/{title.pk}/fragment/")
        assert response.status_code == 404
        assert "the book file is damaged" in response.content.decode()

    def test_content_files_are_not_under_media_root(self, ebook, media):
        assert (media / "private" / ebook.content.name).exists()
        assert not (media / "media" / ebook.content.name).exists()
        with pytest.raises(ValueError):
            ebook.content.url  # noqa: B018 — whole books have no public URL


@pytest.mark.django_db
class TestAudioFragment:
    def test_listen_page_and_the_opening_bytes(self, client, make_title, media):
        title = make_title("Kauja pie Knipskas", format="audiobook", language="lv")
        audio = silent_mp3(seconds=600)
        title.content.save("test/book.mp3", ContentFile(audio), save=True)
        page = client.get(f"/catalog/titles/{title.pk}/fragment/").content.decode()
        assert f'src="/catalog/titles/{title.pk}/fragment/audio/"' in page and "<audio" in page
        response = client.get(f"/catalog/titles/{title.pk}/fragment/audio/")
        assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
        assert len(response.content) == fragments.AUDIO_FRAGMENT_BYTES < len(audio)
        assert response.content == audio[: fragments.AUDIO_FRAGMENT_BYTES]
        assert "Listen to a fragment" in client.get(f"/catalog/titles/{title.pk}/").content.decode()

    def test_paper_books_have_no_fragment(self, client, paper_title):
        assert client.get(f"/catalog/titles/{paper_title.pk}/fragment/").status_code == 404
        assert client.get(f"/catalog/titles/{paper_title.pk}/fragment/audio/").status_code == 404
