from django.urls import path

from abonement.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("i18n/setlang/", views.set_language_view, name="set_language"),
    path("password/", views.password_change_view, name="password_change"),
    path("password/reset/", views.password_reset_request_view, name="password_reset"),
    path("password/reset/code/", views.password_reset_code_view, name="password_reset_code"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
