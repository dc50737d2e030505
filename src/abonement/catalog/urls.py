from django.urls import path

from abonement.catalog.search import views as search_views

app_name = "catalog"

urlpatterns = [
    path("", search_views.search, name="search"),
    path("suggest/", search_views.suggest, name="suggest"),
]

# Staff pages of the catalogue (namespace "staff") and operator pages (namespace "operator").
staff_patterns = []
operator_patterns = []
