"""Circulation: copies, loans, requests, holds — one model for digital licences and paper items (SPEC L, P).

Invariants live in the database as well as in the services: one open loan per copy, one open loan per
reader and title, one waiting request and one waiting hold per reader and title.
"""

import zoneinfo
from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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
    renewal_count = models.PositiveSmallIntegerField(_("times renewed"), default=0, db_default=0)

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

    class Kind(models.TextChoices):
        TITLE = "title", _("E-book request")
        RESERVATION = "reservation", _("Reservation")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        # A reservation's item was set aside and not collected by the deadline (SPEC P2).
        LAPSED = "lapsed", _("Not collected in time")
        # A reservation's item was checked out to the reader.
        COLLECTED = "collected", _("Collected")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TITLE, db_default=Kind.TITLE)
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
    # A reservation (SPEC P2) names the item on the shelf; `library` is where the reader collects it. Approving
    # sets the item aside through a Hold in state READY, which carries the pickup deadline.
    item = models.ForeignKey(
        "catalog.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="reservations"
    )
    hold = models.OneToOneField(
        "circulation.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="reservation"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "title"], condition=Q(status="waiting"), name="one_waiting_request_per_card_and_title"
            ),
            # Two readers reserving the last item at once: the second one is refused by the index.
            models.UniqueConstraint(
                fields=["item"], condition=Q(status__in=["waiting", "approved"]), name="one_open_reservation_per_item"
            ),
            models.CheckConstraint(
                condition=Q(kind="title", item__isnull=True) | Q(kind="reservation", item__isnull=False),
                name="reservation_has_item",
            ),
        ]
        indexes = [models.Index(fields=["library", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.card} asks {self.title} ({self.status})"


class Hold(models.Model):
    """A place in a title's queue at one library (SPEC L3, P3). Position = order of `created_at`, `id`."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        # A paper item is set aside for the reader until `pickup_by` (SPEC P2, P3, P7).
        READY = "ready", _("Set aside for pickup")
        FULFILLED = "fulfilled", _("Got the book")
        CANCELLED = "cancelled", _("Left the queue")
        LAPSED = "lapsed", _("Not collected in time")

    card = models.ForeignKey("readers.Card", on_delete=models.PROTECT, related_name="holds")
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="holds")
    title = models.ForeignKey("catalog.Title", on_delete=models.PROTECT, related_name="holds")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("joined"))
    ended_at = models.DateTimeField(null=True, blank=True)
    loan = models.OneToOneField(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="hold")
    item = models.ForeignKey(
        "catalog.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="holds_set_aside"
    )
    ready_at = models.DateTimeField(_("set aside"), null=True, blank=True)
    pickup_by = models.DateTimeField(_("collect by"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card", "title"],
                condition=Q(status__in=["waiting", "ready"]),
                name="one_waiting_hold_per_card_and_title",
            ),
            # Never two readers for one item set aside.
            models.UniqueConstraint(fields=["item"], condition=Q(status="ready"), name="one_ready_hold_per_item"),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(item__isnull=False, pickup_by__isnull=False),
                name="ready_hold_has_item_and_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["library", "title", "status", "created_at"]),
            models.Index(fields=["status", "pickup_by"], name="hold_ready_deadline"),
        ]

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


class CirculationRule(models.Model):
    """How a library lends paper items of one type to one category of readers (SPEC P1, P4, P5).

    An empty item type or reader category means "any". The rule that applies to a loan is resolved in one place,
    `circulation.policies.resolve_rule`: the most specific rule wins (type and category, then type, then category,
    then the library's general rule); a branch without rules of its own uses its central library's."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="circulation_rules")
    item_type = models.ForeignKey(
        "catalog.ItemType",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
        verbose_name=_("item type"),
        help_text=_("Empty: any type."),
    )
    reader_category = models.CharField(
        _("reader category"), max_length=10, blank=True, help_text=_("Empty: any reader.")
    )
    loan_days = models.PositiveSmallIntegerField(
        _("loan period, days"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    renewals_allowed = models.PositiveSmallIntegerField(
        _("renewals allowed"), default=2, validators=[MaxValueValidator(20)]
    )
    fine_per_day = models.PositiveIntegerField(
        _("fine per overdue day"),
        default=0,
        validators=[MaxValueValidator(100_000)],
        help_text=_("In cents or kopecks. 0: no fine."),
    )
    fine_cap = models.PositiveIntegerField(
        _("fine per item at most"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10_000_000)],
        help_text=_("In cents or kopecks. Empty: no cap."),
    )
    reservable_online = models.BooleanField(_("reservable online"), default=True)
    reading_room_only = models.BooleanField(
        _("reading room only"), default=False, help_text=_("Never lent home; read in the library.")
    )

    class Meta:
        ordering = ["library", "item_type", "reader_category"]
        verbose_name = _("circulation rule")
        verbose_name_plural = _("circulation rules")
        constraints = [
            models.UniqueConstraint(
                fields=["library", "item_type", "reader_category"],
                condition=Q(item_type__isnull=False),
                name="one_rule_per_library_type_category",
            ),
            models.UniqueConstraint(
                fields=["library", "reader_category"],
                condition=Q(item_type__isnull=True),
                name="one_any_type_rule_per_library_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.library}: {self.item_type or '*'} / {self.reader_category or '*'}"


class Renewal(models.Model):
    """A reader's or librarian's renewal of a paper loan (SPEC P5)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Renewal requested")
        GRANTED = "granted", _("Renewed")
        REFUSED = "refused", _("Renewal refused")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="renewals")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(_("requested"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    due_before = models.DateTimeField()
    due_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=Q(status="requested"), name="one_pending_renewal_per_loan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} ({self.status})"


class FineEntry(models.Model):
    """One movement of a reader's fines (SPEC P4): a charge, a payment or a waiver. Amounts are in cents or
    kopecks; `Card.fines_owed` changes only together with a row here, so it equals the ledger's sum."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Fine charged")
        PAYMENT = "payment", _("Fine paid")
        WAIVER = "waiver", _("Fine waived")

    card = models.ForeignKey("readers.Card", on_delete=models.PROTECT, related_name="fine_entries")
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="fine_entries")
    loan = models.ForeignKey(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="fine_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.IntegerField(_("amount"), help_text=_("Positive charges, negative pays or waives."))
    balance_after = models.IntegerField(_("balance after"))
    # The overdue day a daily charge is for: the nightly job charging twice the same day is refused by the index.
    charged_for = models.DateField(null=True, blank=True)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("fine entry")
        verbose_name_plural = _("fine entries")
        indexes = [models.Index(fields=["card", "at"])]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="fine_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(kind="charge", amount__gt=0) | Q(kind__in=["payment", "waiver"], amount__lt=0),
                name="fine_entry_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["loan", "charged_for"], condition=Q(kind="charge"), name="one_fine_charge_per_loan_and_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card} {self.kind} {self.amount}"
