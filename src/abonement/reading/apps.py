from django.apps import AppConfig


class Config(AppConfig):
    name = "abonement.reading"
    label = "reading"
    default_auto_field = "django.db.models.BigAutoField"
