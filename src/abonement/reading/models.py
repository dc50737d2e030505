"""Where a reader stopped in a title (synced across devices) and the reader's rating and review of it."""

from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

REVIEW_MAX_CHARS = 5000
LOCATOR_MAX_CHARS = 1000


class Position(models.Model):
    """One per reader and title: an EPUB CFI or the seconds into an audiobook, and how far that is (0–1)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    locator = models.CharField(max_length=LOCATOR_MAX_CHARS)
    fraction = models.FloatField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "title"], name="one_position_per_reader_and_title"),
            models.CheckConstraint(condition=Q(fraction__gte=0, fraction__lte=1), name="position_fraction_0_to_1"),
        ]

    def __str__(self) -> str:
        return f"{self.title_id}: {self.locator}"


class Review(models.Model):
    """A reader's rating (1–5) and optional text of a title, one per reader and title; staff may hide it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="reviews")
    # The reader's library when they wrote it: whose staff may hide it.
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("review"), max_length=REVIEW_MAX_CHARS, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(_("reason"), max_length=500, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "title"], name="one_review_per_reader_and_title"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.title_id}"


class ReviewSetting(models.Model):
    """Whether a library's readers see reviews of other readers (on unless the library turns it off)."""

    library = models.OneToOneField("libraries.Library", on_delete=models.CASCADE, related_name="+")
    show_reviews = models.BooleanField(_("show reviews to readers"), default=True)

    def __str__(self) -> str:
        return str(self.library)


class PhoneLink(models.Model):
    """ "Read on my phone": a one-time link that signs the reader in on another device and opens the title."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} → {self.title_id}"


class Chapter(models.Model):
    """A chapter of an audiobook: where it starts in the file."""

    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    start_seconds = models.PositiveIntegerField()
    label = models.CharField(max_length=300)

    class Meta:
        ordering = ["title", "start_seconds"]
        constraints = [models.UniqueConstraint(fields=["title", "start_seconds"], name="one_chapter_per_start")]

    def __str__(self) -> str:
        return self.label

    @property
    def clock(self) -> str:
        hours, rest = divmod(self.start_seconds, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class BuyLink(models.Model):
    """A network's link to a bookshop for its titles, e.g. https://shop.example/search?isbn={isbn}."""

    network = models.OneToOneField("libraries.Network", on_delete=models.CASCADE, related_name="buy_link")
    url_template = models.CharField(
        _("buy link"), max_length=500, help_text=_("An https:// address; {isbn} and {title} are filled in.")
    )

    def __str__(self) -> str:
        return self.url_template

    def url_for(self, title) -> str | None:
        if not self.url_template.startswith("https://"):
            return None
        return self.url_template.replace("{isbn}", quote(title.isbn or "")).replace("{title}", quote(title.title))
