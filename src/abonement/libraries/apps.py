from django.apps import AppConfig


class Config(AppConfig):
    name = "abonement.libraries"
    label = "libraries"
    default_auto_field = "django.db.models.BigAutoField"
