from django.apps import AppConfig


class Config(AppConfig):
    name = "abonement.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"
