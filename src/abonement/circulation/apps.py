from django.apps import AppConfig


class Config(AppConfig):
    name = "abonement.circulation"
    label = "circulation"
    default_auto_field = "django.db.models.BigAutoField"
