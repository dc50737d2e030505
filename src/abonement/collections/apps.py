from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "abonement.collections"
    label = "collections"
    verbose_name = _("Collections")
    default_auto_field = "django.db.models.BigAutoField"
