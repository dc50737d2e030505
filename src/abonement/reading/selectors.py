"""Reads of reading state used by other apps: the book page's reviews and rating distribution."""

from django.db.models import Count

from abonement.core import tenancy
from abonement.readers.models import Card
from abonement.reading.models import BuyLink, Review, ReviewSetting

REVIEWS_SHOWN = 50


def reviews_visible_to(user) -> bool:
    """Reviews are shown to anonymous visitors and staff, and to a reader unless every one of their libraries
    turned them off."""
    if not user.is_authenticated:
        return True
    library_ids = list(Card.objects.filter(user=user).values_list("library_id", flat=True))
    if not library_ids:
        return True
    hidden = ReviewSetting.objects.filter(library_id__in=library_ids, show_reviews=False).count()
    return hidden < len(library_ids)


def book_page(user, title) -> dict:
    """Context for the rating and reviews of a book page (templates/reading/_reviews.html)."""
    # The title's denormalised counts spare the queries on the many pages nobody rated yet.
    counts = (
        dict(
            Review.objects.filter(title=title, hidden_at__isnull=True)
            .values_list("rating")
            .annotate(n=Count("id"))
            .values_list("rating", "n")
        )
        if title.rating_count
        else {}
    )
    mine = Review.objects.filter(user=user, title=title).first() if user.is_authenticated else None
    show = reviews_visible_to(user)
    staff_library_ids = (
        set(tenancy.staff_libraries(user).values_list("pk", flat=True)) if user.is_authenticated else set()
    )
    reviews = []
    if show and (title.review_count or staff_library_ids):
        rows = Review.objects.filter(title=title).exclude(text="").select_related("library")
        for review in rows[:REVIEWS_SHOWN]:
            if review.hidden_at is None or review.library_id in staff_library_ids:
                review.can_hide = review.hidden_at is None and review.library_id in staff_library_ids
                reviews.append(review)
    return {
        "rating_rows": [(stars, counts.get(stars, 0)) for stars in range(5, 0, -1)],
        "my_review": mine,
        "reviews_shown": show,
        "reviews": reviews,
        "buy_url": buy_url(user, title),
        "can_review": user.is_authenticated and Card.objects.filter(user=user).exists(),
    }


def buy_url(user, title) -> str | None:
    """The bookshop link of the title's network, or of the reader's network for a shared digital title."""
    if title.network_id is not None:
        # No query when the caller fetched the title with select_related("network__buy_link").
        link = getattr(title.network, "buy_link", None)
    elif user.is_authenticated:
        card = Card.objects.filter(user=user).order_by("id").values_list("library__network_id", flat=True).first()
        link = BuyLink.objects.filter(network_id=card).first() if card else None
    else:
        link = None
    return link.url_for(title) if link else None
