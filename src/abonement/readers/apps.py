from django.apps import AppConfig


class Config(AppConfig):
    name = "abonement.readers"
    label = "readers"
    default_auto_field = "django.db.models.BigAutoField"
