from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abonement.accounts.models import OneTimeCode
from abonement.libraries.models import LendingMode


class ReaderCategory(models.TextChoices):
    """Who the reader is, for circulation rules that differ by reader (SPEC P4; circulation.CirculationRule)."""

    ADULT = "adult", _("Adult")
    CHILD = "child", _("Child")
    PUPIL = "pupil", _("Pupil or student")
    SENIOR = "senior", _("Senior")
    STAFF = "staff", _("Library staff")


class CardLendingMode(models.TextChoices):
    DEFAULT = "default", _("Library default")
    SELF_SERVICE = LendingMode.SELF_SERVICE.value, LendingMode.SELF_SERVICE.label
    BY_REQUEST = LendingMode.BY_REQUEST.value, LendingMode.BY_REQUEST.label


class Card(models.Model):
    """A reader's card in one library; its number is a login. One person (User) may hold cards of many
    libraries: the login, password, e-mail and phone belong to the person, the rest to the library's card."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")

    class Source(models.TextChoices):
        LIBRARIAN = "librarian", _("Librarian")
        BULK_IMPORT = "bulk_import", _("Bulk import")
        BLANK = "blank", _("Blank card")
        ONLINE = "online", _("Online registration")
        PARTNER = "partner", _("Partner application")

    number = models.CharField(
        _("card number"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^\d{4,20}$", _("A card number is 4 to 20 digits."))],
    )
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="cards")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cards")
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    lending_mode = models.CharField(
        _("lending mode"), max_length=20, choices=CardLendingMode.choices, default=CardLendingMode.DEFAULT
    )
    max_on_hand = models.PositiveIntegerField(
        _("books on hand at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Empty: the library's default."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("registered by"), max_length=20, choices=Source.choices, default=Source.LIBRARIAN)
    groups = models.ManyToManyField("readers.Group", blank=True, related_name="cards", verbose_name=_("groups"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    blocked_at = models.DateTimeField(null=True, blank=True)
    # The reader changed their own birth date (SPEC L4): the date before the first change and when it last
    # changed. Requests made within BIRTH_DATE_CHANGE_SHOWN of the change carry the warning.
    birth_date_was = models.DateField(_("birth date before the reader changed it"), null=True, blank=True)
    birth_date_changed_at = models.DateTimeField(_("birth date changed by the reader"), null=True, blank=True)

    BIRTH_DATE_CHANGE_SHOWN = timedelta(days=365)
    category = models.CharField(
        _("reader category"),
        max_length=10,
        choices=ReaderCategory.choices,
        default=ReaderCategory.ADULT,
        db_default=ReaderCategory.ADULT,
    )
    # The fine balance, in cents or kopecks of the library's currency: changed only with a FineEntry row in the
    # same transaction (circulation.fines), so it always equals the ledger's sum.
    fines_owed = models.PositiveIntegerField(_("fines owed"), default=0, db_default=0)

    class Meta:
        ordering = ["number"]
        verbose_name = _("reader card")
        indexes = [models.Index(fields=["library", "full_name"]), models.Index(fields=["library", "status"])]
        constraints = [models.CheckConstraint(condition=Q(fines_owed__gte=0), name="card_fines_owed_not_negative")]

    def __str__(self) -> str:
        return f"{self.number} {self.full_name}".strip()

    @property
    def is_blank(self) -> bool:
        return not self.full_name

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    def age_on(self, today) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def birth_date_was_on(self, now: datetime) -> date | None:
        """The birth date before the reader changed it, while the change is under a year old at `now`."""
        if self.birth_date_changed_at is None or now - self.birth_date_changed_at >= self.BIRTH_DATE_CHANGE_SHOWN:
            return None
        return self.birth_date_was


class Group(models.Model):
    """A named set of readers of one library: a class, a course, a team, an online-registration place."""

    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="reader_groups")
    name = models.CharField(_("name"), max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        constraints = [models.UniqueConstraint("library", Lower("name"), name="group_name_unique_in_library")]

    def __str__(self) -> str:
        return self.name


class CardNumberSequence(models.Model):
    """The next card number to hand out; one row, locked while numbers are allocated."""

    next_number = models.BigIntegerField(default=1_000_000)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(next_number__gte=1000), name="card_sequence_positive")]

    def __str__(self) -> str:
        return str(self.next_number)


class ContactConfirmation(OneTimeCode):
    """A code sent to a new e-mail or phone; the contact becomes a login once the reader types the code."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"
