from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ACQUISITION_PRICE_CAP_MAX = 100_000
WEEKDAYS = [
    ("1", _("Mon")),
    ("2", _("Tue")),
    ("3", _("Wed")),
    ("4", _("Thu")),
    ("5", _("Fri")),
    ("6", _("Sat")),
    ("7", _("Sun")),
]


class Network(models.Model):
    """A region, school district or union catalogue, run by one or more operators."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="operated_networks", verbose_name=_("operators")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")

    def __str__(self) -> str:
        return self.name


class LendingMode(models.TextChoices):
    SELF_SERVICE = "self_service", _("Self-service")
    BY_REQUEST = "by_request", _("By request")


class Library(models.Model):
    """One library; a branch is a Library whose `parent` is the central library of the same network."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="libraries")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        verbose_name=_("central library"),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    opening_weekdays = models.CharField(
        _("opening days"), max_length=7, default="12345", help_text=_("Weekdays the library is open.")
    )
    # Lending defaults (the lending issue builds the rules on them; readers may override per card).
    lending_mode = models.CharField(
        _("default lending mode"), max_length=20, choices=LendingMode.choices, default=LendingMode.BY_REQUEST
    )
    self_service_enabled = models.BooleanField(_("self-service allowed"), default=True)
    max_on_hand = models.PositiveIntegerField(
        _("books on hand at most"), default=3, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    loan_days = models.PositiveIntegerField(
        _("loan period, days"), default=14, validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )
    credits = models.IntegerField(_("credit balance"), default=0)
    # Acquiring new copies: self-service may be forbidden, or allowed only up to a price (SPEC L2).
    self_service_acquisition = models.BooleanField(
        _("self-service may acquire new copies"),
        default=True,
        help_text=_(
            "When no copy is free, a reader taking a book buys a new copy from the library's credits. "
            "Untick it: the reader joins the queue or requests the book instead."
        ),
    )
    acquisition_price_cap = models.PositiveIntegerField(
        _("acquire by self-service only up to this price"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(ACQUISITION_PRICE_CAP_MAX)],
        help_text=_("In credits: dearer books are queued or requested instead. Empty: any price."),
    )
    notify_new_requests = models.BooleanField(
        _("e-mail new requests to the library"),
        default=False,
        help_text=_("Each request of a reader is e-mailed to the contact e-mail."),
    )
    language = models.CharField(
        _("language of e-mails to the library"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The e-mails about new requests are written in this language."),
    )
    # Schools print the credentials for pupils who have neither e-mail nor phone (issue #13); off by default,
    # as SPEC A2 asks for one of them so that the reader receives the login and password.
    readers_without_contact = models.BooleanField(
        _("readers may be registered without e-mail or phone"),
        default=False,
        help_text=_("For school libraries that print the credentials slip for their pupils."),
    )
    # Paper circulation (SPEC P2, P4, P5, N1; issue #14). Deadlines count opening days (libraries.calendar).
    max_reservations = models.PositiveSmallIntegerField(
        _("open reservations per reader at most"), default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    pickup_opening_days = models.PositiveSmallIntegerField(
        _("days to collect a book set aside"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Counted in opening days; the deadline is the closing time of the last of them."),
    )
    due_reminder_opening_days = models.PositiveSmallIntegerField(
        _("remind of the due date, opening days before"),
        default=2,
        validators=[MaxValueValidator(30)],
        help_text=_("0: no reminder."),
    )
    overdue_notice_every_days = models.PositiveSmallIntegerField(
        _("repeat the overdue notice every N days"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("The first overdue notice goes on the first day overdue."),
    )
    debtor_fine_threshold = models.PositiveIntegerField(
        _("fines that block a reader, from"),
        default=500,
        help_text=_("In cents or kopecks: a reader owing this much or more cannot reserve or request books."),
    )
    automatic_renewal = models.BooleanField(
        _("renew at once when the rules allow"),
        default=False,
        help_text=_("Untick to review each renewal request yourself."),
    )
    currency = models.CharField(_("currency of fines"), max_length=3, default="EUR", help_text=_("EUR, RUB…"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("library")
        verbose_name_plural = _("libraries")
        constraints = [
            models.CheckConstraint(condition=Q(credits__gte=0), name="library_credits_not_negative"),
            models.CheckConstraint(condition=Q(loan_days__gte=1), name="library_loan_days_positive"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="library_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.parent_id and self.parent.network_id != self.network_id:
            raise ValidationError({"parent": _("The central library must belong to the same network.")})
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("A branch cannot have branches of its own.")})
        if self.notify_new_requests and not self.contact_email:
            raise ValidationError(
                {"notify_new_requests": _("New requests are e-mailed to the contact e-mail: give it, or untick this.")}
            )

    @property
    def opening_weekday_numbers(self) -> list[int]:
        return [int(d) for d in self.opening_weekdays]


class StaffMembership(models.Model):
    """A librarian's grant to one library. A librarian may hold several libraries of one network."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_memberships")
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="staff_memberships")
    created_at = models.DateTimeField(auto_now_add=True)
    # A librarian who left is deactivated, never deleted: their events and loans keep pointing at them.
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "library"], name="staff_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.library}"


class CreditEntry(models.Model):
    """One movement of a library's credits (SPEC L2, T3). The balance on Library is the running sum of these
    rows; both change in the same transaction under the library's row lock."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Granted by the operator")
        ACQUISITION = "acquisition", _("Copy acquired")
        CORRECTION = "correction", _("Correction")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="credit_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.IntegerField(_("amount"), help_text=_("Positive adds credits, negative spends them."))
    balance_after = models.IntegerField(_("balance after"))
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who"),
    )
    title = models.ForeignKey("catalog.Title", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    card = models.ForeignKey("readers.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("credit movement")
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="credit_entry_balance_not_negative"),
            models.CheckConstraint(condition=~Q(amount=0), name="credit_entry_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.library}: {self.amount:+d} ({self.kind})"


class OpeningHours(models.Model):
    """When a library is open on a weekday (SPEC P2). Several rows a day allow a lunch break; they may not overlap
    (checked in `libraries.calendar.check_hours`). A branch without hours of its own keeps its central library's."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MaxValueValidator(6)], help_text=_("0 is Monday, 6 is Sunday.")
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["library", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="opening_hours_close_after_open"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday_0_6"),
        ]

    def __str__(self) -> str:
        return f"{self.library}: {self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDay(models.Model):
    """A date a library is closed although its weekday is open: a public holiday, a sanitary day. A central
    library's closed days close its branches too."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="closed_days")
    day = models.DateField(_("date"))
    name = models.CharField(_("why closed"), max_length=200)
    public_holiday = models.BooleanField(_("public holiday"), default=False)

    class Meta:
        ordering = ["library", "day"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [models.UniqueConstraint(fields=["library", "day"], name="one_closed_day_per_library_and_date")]

    def __str__(self) -> str:
        return f"{self.library}: {self.day} {self.name}"
