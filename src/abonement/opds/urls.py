"""OPDS 1.2 feeds under /opds/<library>/, their OPDS 2.0 twins under /opds/<library>/v2/ (names end in _v2)."""

from django.urls import path

from abonement.opds import views

app_name = "opds"

FEEDS = [
    ("", views.root, "root", {}),
    ("new/", views.browse, "new", {"section": "new"}),
    ("popular/", views.browse, "popular", {"section": "popular"}),
    ("genres/", views.genres, "genres", {}),
    ("genres/<int:genre_id>/", views.genre, "genre", {}),
    ("series/", views.series_list, "series_list", {}),
    ("series/<int:series_id>/", views.series, "series", {}),
    ("authors/", views.authors, "authors", {}),
    ("authors/<int:author_id>/", views.author, "author", {}),
    ("search/", views.search, "search", {}),
    ("shelf/", views.shelf, "shelf", {}),
    ("titles/<int:title_id>/borrow/", views.borrow_title, "borrow", {}),
]

urlpatterns = [
    path("", views.libraries, {"version": 1}, name="libraries"),
    path("v2/", views.libraries, {"version": 2}, name="libraries_v2"),
    path("<int:library_id>/opensearch.xml", views.opensearch, name="opensearch"),
    path("<int:library_id>/authentication/", views.authentication, name="authentication"),
]
for route, view, name, extra in FEEDS:
    urlpatterns += [
        path(f"<int:library_id>/{route}", view, {"version": 1, **extra}, name=name),
        path(f"<int:library_id>/v2/{route}", view, {"version": 2, **extra}, name=f"{name}_v2"),
    ]
