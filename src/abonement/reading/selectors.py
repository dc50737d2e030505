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
    counts = dict(
        Review.objects.filter(title=title, hidden_at__isnull=True)
        .values_list("rating")
        .annotate(n=Count("id"))
        .values_list("rating", "n")
    )
    mine = Review.objects.filter(user=user, title=title).first() if user.is_authenticated else None
    show = reviews_visible_to(user)
    staff_library_ids = (
        set(tenancy.staff_libraries(user).values_list("pk", flat=True)) if user.is_authenticated else set()
    )
    reviews = []
    if show:
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
    network_id = title.network_id
    if network_id is None and user.is_authenticated:
        card = Card.objects.filter(user=user).select_related("library").order_by("id").first()
        network_id = card.library.network_id if card else None
    link = BuyLink.objects.filter(network_id=network_id).first() if network_id else None
    return link.url_for(title) if link else None
