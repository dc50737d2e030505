"""SIP2 kiosk accounts: a self-check machine logs in (message 93) with a login and password of its library."""

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from abonement.sip2.protocol import CHARSETS


class SipAccount(models.Model):
    """One kiosk. Its `user` is the actor of what it does (loans issued by, events by): a User with no usable
    password and no card or e-mail, so nobody can sign in to the site with it."""

    library = models.ForeignKey("libraries.Library", on_delete=models.PROTECT, related_name="sip_accounts")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sip_account")
    institution_id = models.CharField(_("institution id"), max_length=50, help_text=_("The AO field the kiosk sends."))
    login = models.CharField(_("login"), max_length=50)
    password_hash = models.CharField(max_length=128)
    charset = models.CharField(
        _("character set"), max_length=10, choices=[(c, c) for c in CHARSETS], default=CHARSETS[0]
    )
    may_checkout = models.BooleanField(_("may check out"), default=True)
    may_checkin = models.BooleanField(_("may check in"), default=True)
    may_renew = models.BooleanField(_("may renew"), default=True)
    may_pay = models.BooleanField(_("may take fee payments"), default=False)
    require_patron_password = models.BooleanField(
        _("require the reader's password"),
        default=True,
        help_text=_("Reader details and loans only after the reader's password (AD) is checked."),
    )
    active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SIP2 kiosk account")
        ordering = ["library", "login"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution_id", "login"],
                name="sip_account_login_per_institution",
                violation_error_message=_("This login is already used by a kiosk of this institution."),
            ),
            models.CheckConstraint(condition=models.Q(charset__in=CHARSETS), name="sip_account_charset_known"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.login}"

    def set_password(self, raw: str) -> None:
        self.password_hash = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return check_password(raw, self.password_hash)
