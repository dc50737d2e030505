from django.urls import path

from abonement.sip2 import views

staff_patterns = [
    path("kiosks/", views.accounts_page, name="sip_accounts"),
    path("kiosks/<int:account_id>/", views.account_edit, name="sip_account_edit"),
]
