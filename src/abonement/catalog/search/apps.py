from django.apps import AppConfig
from django.db.backends.signals import connection_created


class Config(AppConfig):
    name = "abonement.catalog.search"
    label = "catalog_search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from abonement.catalog.search import backend

        connection_created.connect(backend.tune_connection, dispatch_uid="catalog_search_tune_connection")
