from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Sip2Config(AppConfig):
    name = "abonement.sip2"
    label = "sip2"
    verbose_name = _("Self-check kiosks (SIP2)")
