from django.apps import AppConfig


class Config(AppConfig):
    name = "abonement.opds"
    label = "opds"
    default_auto_field = "django.db.models.BigAutoField"
