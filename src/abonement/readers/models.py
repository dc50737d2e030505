from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Card(models.Model):
    """A reader's card in one library; its number is a login. One person may hold cards of many libraries."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")

    number = models.CharField(
        _("card number"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^\d{4,20}$", _("A card number is 4 to 20 digits."))],
    )
    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="cards")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="cards"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("reader card")

    def __str__(self) -> str:
        return self.number
