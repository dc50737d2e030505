"""Position sync across devices (SPEC L8) and ratings and reviews (SPEC C5), with their bad input."""

import json

import pytest
from django.db import IntegrityError, transaction

from abonement.catalog.models import Title
from abonement.reading import services
from abonement.reading.models import BuyLink, Review, ReviewSetting
from abonement.reading.tests.conftest import signed_in


def put(client, title, body):
    return client.put(f"/read/titles/{title.pk}/position/", json.dumps(body), content_type="application/json")


@pytest.mark.django_db
class TestPosition:
    def test_saved_on_one_device_and_read_on_another(self, card, ebook):
        laptop, phone = signed_in(card.user), signed_in(card.user)
        assert phone.get(f"/read/titles/{ebook.pk}/position/").json()["locator"] is None
        assert put(laptop, ebook, {"locator": "epubcfi(/6/4!/4/2/1:0)", "fraction": 0.25}).status_code == 200
        assert put(laptop, ebook, {"locator": "epubcfi(/6/8!/4/2/1:0)", "fraction": 0.5}).status_code == 200
        saved = phone.get(f"/read/titles/{ebook.pk}/position/").json()
        assert saved["locator"] == "epubcfi(/6/8!/4/2/1:0)" and saved["fraction"] == 0.5

    @pytest.mark.parametrize(
        "body", [{"locator": "", "fraction": 0}, {"locator": "x" * 1001}, {"locator": "a", "fraction": 2}, [1]]
    )
    def test_bad_positions_are_400_naming_the_rule(self, card, ebook, body):
        response = put(signed_in(card.user), ebook, body)
        assert response.status_code == 400 and "fraction from 0 to 1" in response.json()["detail"]

    def test_positions_are_per_reader(self, card, card_factory, library, ebook):
        put(signed_in(card.user), ebook, {"locator": "epubcfi(/6/4)", "fraction": 0.1})
        other = card_factory(library=library)
        assert signed_in(other.user).get(f"/read/titles/{ebook.pk}/position/").json()["locator"] is None

    def test_anonymous_is_sent_to_login(self, client, ebook):
        assert client.get(f"/read/titles/{ebook.pk}/position/").status_code == 302


@pytest.mark.django_db
class TestReviews:
    def test_rate_review_edit_and_the_book_page_shows_them(self, card, card_factory, library, ebook):
        client = signed_in(card.user)
        assert client.post(f"/read/titles/{ebook.pk}/review/", {"rating": "4", "text": "Laba"}).status_code == 302
        other = card_factory(library=library)
        signed_in(other.user).post(f"/read/titles/{ebook.pk}/review/", {"rating": "2"})
        client.post(f"/read/titles/{ebook.pk}/review/", {"rating": "5", "text": "Ļoti laba <3"})
        assert Review.objects.filter(title=ebook).count() == 2
        ebook.refresh_from_db()
        assert (float(ebook.rating_average), ebook.rating_count, ebook.review_count) == (3.5, 2, 1)
        page = client.get(f"/catalog/titles/{ebook.pk}/").content.decode()
        assert "Ļoti laba &lt;3" in page and "3.5 of 5 from 2 ratings" in page
        assert '<meter min="0" max="2" value="1">' in page

    @pytest.mark.parametrize("rating", ["0", "6", "", "4.5", "abc"])
    def test_a_rating_outside_1_to_5_is_400(self, card, ebook, rating):
        response = signed_in(card.user).post(f"/read/titles/{ebook.pk}/review/", {"rating": rating})
        assert response.status_code == 400 and "from 1 to 5" in response.content.decode()
        assert not Review.objects.exists()

    def test_a_review_too_long_or_with_html_is_refused(self, card, ebook):
        client = signed_in(card.user)
        long = client.post(f"/read/titles/{ebook.pk}/review/", {"rating": "3", "text": "a" * 100_000})
        assert long.status_code == 400 and "at most 5000 characters" in long.content.decode()
        html = client.post(f"/read/titles/{ebook.pk}/review/", {"rating": "3", "text": "<script>alert(1)</script>"})
        assert html.status_code == 400 and "remove the HTML tags" in html.content.decode()
        assert not Review.objects.exists()

    def test_the_database_refuses_a_rating_of_6(self, card, ebook):
        review = services.save_review(user=card.user, title=ebook, rating=3)
        with pytest.raises(IntegrityError), transaction.atomic():
            Review.objects.filter(pk=review.pk).update(rating=6)

    def test_staff_hide_a_review_with_a_reason(self, card, card_factory, library, librarian_factory, ebook):
        services.save_review(user=card.user, title=ebook, rating=1, text="Spam spam")
        staff = signed_in(librarian_factory(library=library))
        review = Review.objects.get()
        refused = staff.post(f"/staff/reviews/{review.pk}/hide/", {"reason": ""})
        assert refused.status_code == 400
        assert staff.post(f"/staff/reviews/{review.pk}/hide/", {"reason": "Reklāma"}).status_code == 302
        review.refresh_from_db()
        assert review.hidden_reason == "Reklāma" and review.hidden_at is not None
        assert Title.objects.get(pk=ebook.pk).rating_count == 0
        neighbour = signed_in(card_factory(library=library).user)
        assert "Spam spam" not in neighbour.get(f"/catalog/titles/{ebook.pk}/").content.decode()
        assert "Hidden from readers: Reklāma" in staff.get(f"/catalog/titles/{ebook.pk}/").content.decode()

    def test_staff_of_another_library_get_404(self, card, library_factory, librarian_factory, ebook):
        services.save_review(user=card.user, title=ebook, rating=1, text="Spam")
        staff = signed_in(librarian_factory(library=library_factory()))
        assert staff.post(f"/staff/reviews/{Review.objects.get().pk}/hide/", {"reason": "x"}).status_code == 404

    def test_reviews_shown_only_where_the_library_allows(self, card, card_factory, library, library_factory, ebook):
        services.save_review(user=card.user, title=ebook, rating=5, text="Brīnišķīga")
        closed = library_factory()
        ReviewSetting.objects.create(library=closed, show_reviews=False)
        reader_of_closed = card_factory(library=closed)
        page = signed_in(reader_of_closed.user).get(f"/catalog/titles/{ebook.pk}/").content.decode()
        assert "Brīnišķīga" not in page
        neighbour = signed_in(card_factory(library=library).user)
        assert "Brīnišķīga" in neighbour.get(f"/catalog/titles/{ebook.pk}/").content.decode()

    def test_a_networks_buy_link(self, card, library, ebook):
        ebook.isbn = "9789984000000"
        ebook.save(update_fields=["isbn"])
        BuyLink.objects.create(network=library.network, url_template="https://shop.example/s?isbn={isbn}")
        page = signed_in(card.user).get(f"/catalog/titles/{ebook.pk}/").content.decode()
        assert 'href="https://shop.example/s?isbn=9789984000000"' in page
