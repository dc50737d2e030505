"""Circulation: copies, loans, requests, holds — one model for digital licences and paper items (SPEC L, P).

Invariants live in the database as well as in the services: one open loan per copy, one open loan per
reader and title, one waiting request and one waiting hold per reader and title.
"""

import zoneinfo
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Copy(models.Model):
    """One lendable unit of a title in a library: a digital licence copy, or a paper Item."""

    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="copies")
    title = models.ForeignKey("catalog.Title", on_delete=models.PROTECT, related_name="copies")
    item = models.OneToOneField(
        "catalog.Item",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copy",
        help_text=_("The physical item, for paper books."),
    )
    acquired_at = models.DateTimeField(_("acquired"))
    cost = models.PositiveIntegerField(_("cost, credits"), default=0)

    class Meta:
        verbose_name = _("copy")
        verbose_name_plural = _("copies")
        indexes = [models.Index(fields=["library", "title"])]

    def __str__(self) -> str:
        return f"{self.title} #{self.pk}"


class Loan(models.Model):
    class EndReason(models.TextChoices):
        RETURNED = "returned", _("Returned")
        EXPIRED = "expired", _("Loan period ended")

    # Every index is maintained by every take and every loan end: card and library are served by the composite
    # indexes below (they lead them), so they get no index of their own; nor do due_at and issued_by.
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="loans")
    card = models.ForeignKey("readers.Card", on_delete=models.PROTECT, related_name="loans", db_index=False)
    # Denormalised from copy for the busy queries (on hand, fund counts); never change after creation.
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="loans", db_index=False)
    title = models.ForeignKey("catalog.Title", on_delete=models.PROTECT, related_name="loans")
    is_free = models.BooleanField(default=False, help_text=_("Free titles do not count toward the limit."))
    started_at = models.DateTimeField(_("issued"))
    due_at = models.DateTimeField(_("on loan until"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["copy"], condition=Q(ended_at__isnull=True), name="one_open_loan_per_copy"),
            models.UniqueConstraint(
                fields=["card", "title"], condition=Q(ended_at__isnull=True), name="one_open_loan_per_card_and_title"
            ),
            models.CheckConstraint(condition=Q(due_at__gt=models.F("started_at")), name="loan_due_after_start"),
        ]
        indexes = [
            models.Index(fields=["card", "ended_at"]),
            models.Index(fields=["library", "title", "ended_at"]),
            models.Index(fields=["ended_at", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.card}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def last_day(self) -> date:
        """The last day of the loan in the library's time zone (it ends at 23:59 of that day, SPEC L7)."""
        return self.due_at.astimezone(zoneinfo.ZoneInfo(self.library.timezone)).date()


class Request(models.Model):
    """A reader asks, staff approve or reject (SPEC L4; a paper reservation is a Request too)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    card = models.ForeignKey("readers.Card", on_delete=models.PROTECT, related_name="requests")
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="requests")
    title = models.ForeignKey("catalog.Title", on_delete=models.PROTECT, related_name="requests")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("requested"))
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    loan = models.OneToOneField(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="request")
    # What the reader's birth date was before they changed it themselves (shown to staff, SPEC L4).
    birth_date_was = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "title"], condition=Q(status="waiting"), name="one_waiting_request_per_card_and_title"
            ),
        ]
        indexes = [models.Index(fields=["library", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.card} asks {self.title} ({self.status})"


class Hold(models.Model):
    """A place in a title's queue at one library (SPEC L3, P3). Position = order of `created_at`, `id`."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        FULFILLED = "fulfilled", _("Got the book")
        CANCELLED = "cancelled", _("Left the queue")

    card = models.ForeignKey("readers.Card", on_delete=models.PROTECT, related_name="holds")
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="holds")
    title = models.ForeignKey("catalog.Title", on_delete=models.PROTECT, related_name="holds")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("joined"))
    ended_at = models.DateTimeField(null=True, blank=True)
    loan = models.OneToOneField(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="hold")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "title"], condition=Q(status="waiting"), name="one_waiting_hold_per_card_and_title"
            ),
        ]
        indexes = [models.Index(fields=["library", "title", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.card} waits for {self.title}"


class Deferral(models.Model):
    """A title the reader put aside for later (the wish list, "Want to read")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deferrals")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "title"], name="one_deferral_per_user_and_title")]

    def __str__(self) -> str:
        return f"{self.user} defers {self.title}"
