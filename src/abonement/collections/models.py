"""Collections, templates and their issue to groups (SPEC G2, G3).

A Collection belongs either to one library (its own list) or is a *template*: of one network (its operators
manage it, its libraries may copy it) or of the whole platform (network empty: the platform admin manages it,
every library may copy it). The copy is independent of its template.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Collection(models.Model):
    library = models.ForeignKey(
        "libraries.Library", null=True, blank=True, on_delete=models.PROTECT, related_name="collections"
    )
    network = models.ForeignKey(
        "libraries.Network",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collection_templates",
        help_text=_("For a template of one network; empty for a template shared with every library."),
    )
    name = models.CharField(_("name"), max_length=200)
    made_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("made from template"),
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("collection")
        constraints = [
            models.CheckConstraint(
                condition=Q(library__isnull=True) | Q(network__isnull=True),
                name="collection_of_a_library_or_a_template",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_template(self) -> bool:
        return self.library_id is None


class CollectionTitle(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="entries")
    title = models.ForeignKey("catalog.Title", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["collection", "title"], name="collection_title_once")]

    def __str__(self) -> str:
        return f"{self.collection}: {self.title}"


class CollectionGroup(models.Model):
    """A group with access to a collection, and when the collection was last issued to it (SPEC G3)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="accesses")
    group = models.ForeignKey("readers.Group", on_delete=models.CASCADE, related_name="collection_accesses")
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    loans_issued = models.PositiveIntegerField(_("books issued"), default=0)

    class Meta:
        ordering = ["group__name", "id"]
        constraints = [models.UniqueConstraint(fields=["collection", "group"], name="collection_group_once")]

    def __str__(self) -> str:
        return f"{self.collection} → {self.group}"
