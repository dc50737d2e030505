"""The catalogue (SPEC C1, C2): digital titles shared by the installation, paper titles per network.

A Title with `network=None` belongs to the shared digital catalogue (the provider's); a paper Title is
catalogued in one network's union catalogue and has Items (physical copies) owned by its libraries.
Search index tables live in the catalog.search app.
"""

from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PrivateStorage(FileSystemStorage):
    """Files that no URL serves: `private/` next to MEDIA_ROOT (or PRIVATE_MEDIA_ROOT when set)."""

    @cached_property
    def base_location(self):
        default = getattr(settings, "PRIVATE_MEDIA_ROOT", None) or Path(settings.MEDIA_ROOT).parent / "private"
        return self._value_or_setting(self._location, default)

    @cached_property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view that checks access.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


class Author(models.Model):
    name = models.CharField(_("name"), max_length=300, db_index=True)
    sort_name = models.CharField(max_length=300, db_index=True, help_text=_("Surname first, for sorting."))
    description = models.TextField(_("about the author"), blank=True)

    class Meta:
        ordering = ["sort_name", "id"]
        verbose_name = _("author")

    def __str__(self) -> str:
        return self.name


class Series(models.Model):
    name = models.CharField(_("name"), max_length=300, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return self.name


class Genre(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("genre")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")

    def __str__(self) -> str:
        return self.name


class Format(models.TextChoices):
    EBOOK = "ebook", _("E-book")
    AUDIOBOOK = "audiobook", _("Audiobook")
    PAPER = "paper", _("Paper book")


class AgeRating(models.IntegerChoices):
    ALL = 0, "0+"
    SIX = 6, "6+"
    TWELVE = 12, "12+"
    SIXTEEN = 16, "16+"
    EIGHTEEN = 18, "18+"


class Title(models.Model):
    network = models.ForeignKey(
        "libraries.Network",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="paper_titles",
        help_text=_("Empty for the shared digital catalogue; the network of a union catalogue for paper books."),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.EBOOK)
    title = models.CharField(_("title"), max_length=500)
    authors = models.ManyToManyField(Author, through="TitleAuthor", related_name="titles", verbose_name=_("authors"))
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="titles", verbose_name=_("series")
    )
    series_number = models.PositiveIntegerField(_("number in series"), null=True, blank=True)
    genres = models.ManyToManyField(Genre, blank=True, related_name="titles", verbose_name=_("genres"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="titles", verbose_name=_("tags"))
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True, help_text=_("ISO 639-1, e.g. ru, lv, en"))
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=17, blank=True, db_index=True, help_text=_("Digits only (and X)."))
    age_rating = models.PositiveSmallIntegerField(_("age rating"), choices=AgeRating.choices, default=AgeRating.ALL)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    illustrations = models.PositiveIntegerField(_("illustrations"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration, seconds"), null=True, blank=True)
    cover = models.FileField(_("cover"), upload_to="covers/", blank=True)
    # Whole books are never public files: they live outside MEDIA_ROOT and are handed out by views that
    # check a loan (SPEC L8). The fragment view reads them to serve the first ~20%.
    content = models.FileField(
        _("content file"), upload_to="content/", storage=private_storage, blank=True, help_text=_("EPUB or audio.")
    )
    price = models.PositiveIntegerField(
        _("price, credits"), default=1, help_text=_("What acquiring one more copy costs; 0 for free titles.")
    )
    is_free = models.BooleanField(_("free (out of copyright)"), default=False)
    rating_average = models.DecimalField(
        _("average rating"),
        max_digits=3,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    rating_count = models.PositiveIntegerField(_("ratings"), default=0)
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    popularity = models.PositiveIntegerField(_("loans"), default=0, help_text=_("Loans so far, for ranking."))
    # Re-importing a record updates the title it came from: matched by (source, control number), then ISBN.
    source = models.CharField(max_length=50, blank=True)
    control_number = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("title")
        indexes = [
            models.Index(fields=["-popularity", "id"], name="title_popularity_idx"),
            # Import matching: the unique constraints are partial, which SQLite cannot use for an IN lookup.
            models.Index(fields=["control_number"], name="title_control_number_idx"),
            models.Index(fields=["title"], name="title_title_idx"),
        ]
        constraints = [
            # A record's control number is unique within its source in the shared catalogue and, for paper
            # titles, within the network's union catalogue (two networks may import the same file).
            models.UniqueConstraint(
                fields=["source", "control_number"],
                condition=~Q(control_number="") & Q(network__isnull=True),
                name="title_unique_control_number",
            ),
            models.UniqueConstraint(
                fields=["network", "source", "control_number"],
                condition=~Q(control_number="") & Q(network__isnull=False),
                name="title_unique_control_number_in_network",
            ),
            models.CheckConstraint(
                condition=Q(format="paper", network__isnull=False) | (~Q(format="paper") & Q(network__isnull=True)),
                name="title_paper_in_network_digital_shared",
            ),
            models.CheckConstraint(condition=~Q(is_free=True) | Q(price=0), name="title_free_costs_nothing"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_paper(self) -> bool:
        return self.format == Format.PAPER

    @property
    def volume(self) -> str:
        """Pages (and illustrations) or duration, as shown on the book page."""
        if self.duration_seconds:
            hours, rest = divmod(self.duration_seconds, 3600)
            minutes = rest // 60
            return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
        if self.pages and self.illustrations:
            return _("%(pages)d pages, %(illustrations)d illustrations") % {
                "pages": self.pages,
                "illustrations": self.illustrations,
            }
        if self.pages:
            return _("%(pages)d pages") % {"pages": self.pages}
        return ""


class TitleAuthor(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(max_length=50, blank=True, help_text=_("author, translator, narrator…"))

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["title", "author", "role"], name="title_author_unique")]

    def __str__(self) -> str:
        return f"{self.author} — {self.title}"


class ItemType(models.Model):
    """A kind of paper item in a network (book, periodical, reference, AV…): circulation rules are set per type
    (SPEC P1, P4; circulation.CirculationRule)."""

    network = models.ForeignKey("libraries.Network", on_delete=models.CASCADE, related_name="item_types")
    code = models.SlugField(_("code"), max_length=20, help_text=_("Short code as in the import files, e.g. BOOK."))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["network", "name"]
        verbose_name = _("item type")
        verbose_name_plural = _("item types")
        constraints = [models.UniqueConstraint(fields=["network", "code"], name="item_type_code_unique_in_network")]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A physical copy of a paper title, owned by one library (or branch) of the title's network.

    `status`, `due_date` and `in_transit_to` are kept by the circulation services (desk, reservations) in the
    transaction that changes the loan or the hold: they are what the items view shows without joining loans."""

    class Status(models.TextChoices):
        ON_SHELF = "on_shelf", _("On the shelf")
        ON_LOAN = "on_loan", _("On loan")
        RESERVED = "reserved", _("Reserved")
        SET_ASIDE = "set_aside", _("Set aside for pickup")
        IN_TRANSIT = "in_transit", _("In transit")
        READING_ROOM = "reading_room", _("Reading room only")
        LOST = "lost", _("Lost")

    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="items")
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="items")
    barcode = models.CharField(_("barcode"), max_length=50, unique=True)
    fund = models.CharField(
        _("fund"), max_length=150, blank=True, help_text=_("Collection, e.g. lending, reading room")
    )
    shelf_mark = models.CharField(_("shelf mark"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ON_SHELF)
    reservable_online = models.BooleanField(_("reservable online"), default=True)
    due_date = models.DateField(_("on loan until"), null=True, blank=True)
    item_type = models.ForeignKey(
        ItemType, null=True, blank=True, on_delete=models.PROTECT, related_name="items", verbose_name=_("item type")
    )
    in_transit_to = models.ForeignKey(
        "libraries.Library", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )

    class Meta:
        ordering = ["library", "shelf_mark", "barcode"]
        verbose_name = _("item")
        indexes = [models.Index(fields=["title", "status"])]

    def __str__(self) -> str:
        return self.barcode


class CatalogAccess(models.Model):
    """Which part of the shared digital catalogue a library may lend (SPEC T3): all of it, or a selection
    the operator widens over time (a school starts with 500 titles)."""

    library = models.OneToOneField("libraries.Library", on_delete=models.CASCADE, related_name="catalog_access")
    whole_catalog = models.BooleanField(_("the whole shared catalogue"), default=False)
    titles = models.ManyToManyField(Title, blank=True, related_name="+", verbose_name=_("selected titles"))

    def __str__(self) -> str:
        return f"{self.library}: {'all' if self.whole_catalog else 'selection'}"
