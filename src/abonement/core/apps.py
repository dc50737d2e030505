from django.apps import AppConfig


class Config(AppConfig):
    name = "abonement.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from abonement.core import checks  # noqa: F401 — registers the system checks
