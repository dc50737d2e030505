from django.apps import AppConfig


class Config(AppConfig):
    name = "abonement.catalog.search"
    label = "catalog_search"
    default_auto_field = "django.db.models.BigAutoField"
