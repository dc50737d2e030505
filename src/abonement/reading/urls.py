from django.urls import path

from abonement.reading import views

app_name = "reading"

urlpatterns = [
    path("loans/<int:loan_id>/", views.read, name="read"),
    path("content/<str:token>/", views.content_file, name="content"),
    path("titles/<int:title_id>/position/", views.position, name="position"),
    path("titles/<int:title_id>/review/", views.review, name="review"),
    path("titles/<int:title_id>/phone/", views.phone_send, name="phone_send"),
    path("phone/<str:token>/", views.phone_open, name="phone_open"),
]

# Staff pages (namespace "staff").
staff_patterns = [
    path("reviews/<int:review_id>/hide/", views.hide_review, name="hide_review"),
]
