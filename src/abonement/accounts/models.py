from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person: staff (operator, librarian) or reader. Readers sign in with any of their card numbers.

    E-mail and phone are unique across the installation (SPEC A2), so either identifies one person.
    """

    email = models.EmailField(_("e-mail"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, help_text=_("E.164, e.g. +37120000000"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="ru")

    class Meta:
        verbose_name = _("user")
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), name="user_email_unique_ci", condition=Q(email__isnull=False)
            ),
            models.UniqueConstraint(fields=["phone"], name="user_phone_unique", condition=Q(phone__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # Empty strings would collide in the unique indexes; absence is NULL.
        self.email = self.email.strip().lower() if self.email else None
        self.phone = self.phone or None
        super().save(*args, **kwargs)


class TrackedSession(models.Model):
    """One signed-in device. Lets us cap staff sessions (SPEC T4) and end a reader's sessions on block."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class OneTimeCode(models.Model):
    """A code sent to a person (see accounts.codes): only its hash is kept."""

    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class PasswordResetCode(OneTimeCode):
    """A code sent by SMS to a reader who has a phone but no e-mail, to set a new password (SPEC A5)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"reset code of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"
