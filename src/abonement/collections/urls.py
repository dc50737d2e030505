from django.urls import path

from abonement.collections import views

staff_patterns = [
    path("collections/", views.collection_list, name="collections"),
    path("collections/new/", views.collection_create, name="collection_create"),
    path("collections/<int:collection_id>/", views.collection_detail, name="collection"),
    path("collections/<int:collection_id>/books/", views.collection_titles, name="collection_titles"),
    path("collections/<int:collection_id>/issue/", views.collection_issue, name="collection_issue"),
    path("collections/<int:collection_id>/delete/", views.collection_delete, name="collection_delete"),
]

operator_patterns = [
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:template_id>/", views.template_detail, name="template"),
    path("templates/<int:template_id>/books/", views.template_titles, name="template_titles"),
    path("templates/<int:template_id>/delete/", views.template_delete, name="template_delete"),
]
