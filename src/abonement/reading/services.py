"""Every change of reading state: the synced position, ratings and reviews (SPEC L8, C5)."""

import math
import re
from datetime import datetime

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from abonement.catalog.models import Title
from abonement.core import clock
from abonement.core.errors import DomainError, busy_when_locked
from abonement.readers.models import Card
from abonement.reading.models import LOCATOR_MAX_CHARS, REVIEW_MAX_CHARS, Position, Review

# A tag, comment or declaration; "a < b" and "<3" are text.
MARKUP = re.compile(r"<[A-Za-z/!?]")


class BadPosition(DomainError):
    code = "bad_position"
    message = _("The position must be a locator of at most %(max)d characters and a fraction from 0 to 1.")


class BadRating(DomainError):
    code = "bad_rating"
    message = _("The rating must be a whole number from 1 to 5.")


class ReviewTooLong(DomainError):
    code = "review_too_long"
    message = _("A review may have at most %(max)d characters.")


class ReviewHasMarkup(DomainError):
    code = "review_has_markup"
    message = _("A review is plain text: remove the HTML tags.")


class NoReaderCard(DomainError):
    code = "no_reader_card"
    status = 403
    message = _("You need a reader card of a library to rate books.")


class HideReasonMissing(DomainError):
    code = "hide_reason_missing"
    message = _("Say why the review is hidden (at most 500 characters).")


@busy_when_locked
def save_position(*, user, title: Title, locator: str, fraction: float, now: datetime | None = None) -> Position:
    """Remember where the reader is in the title; the last device to report wins. One INSERT … ON CONFLICT
    DO UPDATE (no read first, no lock held past the statement): devices sync every few seconds."""
    if not isinstance(locator, str) or not locator or len(locator) > LOCATOR_MAX_CHARS:
        raise BadPosition(max=LOCATOR_MAX_CHARS)
    if not isinstance(fraction, (int, float)) or isinstance(fraction, bool) or not 0 <= fraction <= 1:
        raise BadPosition(max=LOCATOR_MAX_CHARS)
    if math.isnan(fraction):
        raise BadPosition(max=LOCATOR_MAX_CHARS)
    position = Position(user=user, title=title, locator=locator, fraction=fraction, updated_at=now or clock.now())
    Position.objects.bulk_create(
        [position],
        update_conflicts=True,
        unique_fields=["user", "title"],
        update_fields=["locator", "fraction", "updated_at"],
    )
    return position


def _clean_rating(rating) -> int:
    try:
        value = int(rating)
    except (TypeError, ValueError) as exc:
        raise BadRating from exc
    if str(value) != str(rating).strip() or not 1 <= value <= 5:
        raise BadRating
    return value


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if len(text) > REVIEW_MAX_CHARS:
        raise ReviewTooLong(max=REVIEW_MAX_CHARS)
    if MARKUP.search(text):
        raise ReviewHasMarkup
    return text


def _refresh_title_counts(title_id: int) -> None:
    """The title's average, count and review count, from the visible reviews (the book page reads them)."""
    visible = Review.objects.filter(title_id=title_id, hidden_at__isnull=True)
    totals = visible.aggregate(average=Avg("rating"), count=Count("id"), texts=Count("id", filter=~Q(text="")))
    Title.objects.filter(pk=title_id).update(
        rating_average=round(totals["average"] or 0, 2),
        rating_count=totals["count"],
        review_count=totals["texts"],
    )


@busy_when_locked
@transaction.atomic
def save_review(*, user, title: Title, rating, text: str = "", now: datetime | None = None) -> Review:
    """Rate (and review) a title, or change the reader's earlier rating; one per reader and title."""
    now = now or clock.now()
    rating = _clean_rating(rating)
    text = _clean_text(text)
    card = Card.objects.filter(user=user).order_by("id").first()
    if card is None:
        raise NoReaderCard
    Title.objects.select_for_update().filter(pk=title.pk).first()  # serialises the counts of one title
    review, created = Review.objects.get_or_create(
        user=user,
        title=title,
        defaults={"library_id": card.library_id, "rating": rating, "text": text, "created_at": now, "updated_at": now},
    )
    if not created:
        review.rating, review.text, review.updated_at = rating, text, now
        review.save(update_fields=["rating", "text", "updated_at"])
    _refresh_title_counts(title.pk)
    return review


@busy_when_locked
@transaction.atomic
def hide_review(*, staff, review: Review, reason: str, now: datetime | None = None) -> Review:
    """Staff hide a review from the book page, saying why (the reader's rating stops counting too)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise HideReasonMissing
    Title.objects.select_for_update().filter(pk=review.title_id).first()
    review.hidden_at, review.hidden_reason, review.hidden_by = now or clock.now(), reason, staff
    review.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    _refresh_title_counts(review.title_id)
    return review
