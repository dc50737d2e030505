from django.urls import path

from abonement.catalog import views
from abonement.catalog.search import views as search_views

app_name = "catalog"

urlpatterns = [
    path("", search_views.search, name="search"),
    path("suggest/", search_views.suggest, name="suggest"),
    path("titles/<int:title_id>/", views.title_detail, name="title"),
    path("titles/<int:title_id>/fragment/", views.fragment, name="fragment"),
    path("titles/<int:title_id>/fragment/audio/", views.fragment_audio, name="fragment_audio"),
    path("authors/<int:author_id>/", views.author_detail, name="author"),
    path("series/<int:series_id>/", views.series_detail, name="series"),
    path("genres/<int:genre_id>/", views.genre_detail, name="genre"),
    path("browse/<slug:section>/", views.browse, name="browse"),
]

# Staff pages of the catalogue (namespace "staff") and operator pages (namespace "operator").
staff_patterns = [
    path("catalog/import/", views.staff_import, name="catalog_import"),
]
operator_patterns = [
    path("catalog/import/", views.operator_import, name="catalog_import"),
    path("libraries/<int:library_id>/catalog/", views.catalog_access, name="catalog_access"),
]
