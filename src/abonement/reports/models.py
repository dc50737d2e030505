from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from abonement.catalog.models import private_storage


class Visit(models.Model):
    """A reader was active in a library on a day (the library's calendar day): signed in, opened a page, used
    an app or the API. At most one row per card and day; it feeds "visits" (R1) and attendance (R3)."""

    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="+")
    card = models.ForeignKey("readers.Card", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["card", "day"], name="visit_once_per_card_and_day")]
        indexes = [models.Index(fields=["library", "day"])]

    def __str__(self) -> str:
        return f"{self.day} card {self.card_id}"


class Export(models.Model):
    """A report file made in the background; the librarian watches its progress and downloads it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", pgettext_lazy("file status", "Failed")

    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    report = models.CharField(max_length=30)
    fmt = models.CharField(max_length=10)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Private: the only way to a file is the download view, which checks the librarian's library.
    file = models.FileField(upload_to="exports/%Y/%m/", storage=private_storage, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["library", "created_at"])]

    def __str__(self) -> str:
        return f"{self.report}.{self.fmt} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0
