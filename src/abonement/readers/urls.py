from django.urls import path

from abonement.readers import views, views_bulk

staff_patterns = [
    path("readers/", views.reader_list, name="readers"),
    path("readers/export/<str:fmt>/", views.reader_export, name="readers_export"),
    path("readers/new/", views.reader_create, name="reader_create"),
    path("readers/bulk/", views_bulk.bulk_import, name="readers_bulk"),
    path("readers/bulk/sample.xlsx", views_bulk.bulk_sample, name="readers_bulk_sample"),
    path("readers/bulk/credentials.xlsx", views_bulk.bulk_credentials, name="readers_bulk_credentials"),
    path("readers/bulk/slips/", views_bulk.bulk_slips, name="readers_bulk_slips"),
    path("readers/<int:card_id>/", views.reader_detail, name="reader"),
    path("readers/<int:card_id>/edit/", views.reader_edit, name="reader_edit"),
    path("readers/<int:card_id>/lending/", views.reader_lending, name="reader_lending"),
    path("readers/<int:card_id>/block/", views.reader_block, name="reader_block"),
    path("readers/<int:card_id>/unblock/", views.reader_unblock, name="reader_unblock"),
    path("readers/<int:card_id>/password/", views.reader_password, name="reader_password"),
    path("readers/<int:card_id>/slip/", views.reader_slip, name="reader_slip"),
    path("readers/<int:card_id>/card/", views.reader_card, name="reader_card"),
    path("readers/<int:card_id>/requests/", views.reader_requests, name="reader_requests"),
    path("readers/<int:card_id>/history.xlsx", views.reader_history_export, name="reader_history_export"),
    path(
        "readers/<int:card_id>/history.csv",
        views.reader_history_export,
        {"fmt": "csv"},
        name="reader_history_export_csv",
    ),
    path("groups/", views.group_list, name="groups"),
    path("groups/<int:group_id>/", views.group_detail, name="group"),
    path("groups/<int:group_id>/members/", views.group_members, name="group_members"),
    path("groups/<int:group_id>/passwords/", views_bulk.group_passwords, name="group_passwords"),
    path("groups/<int:group_id>/slips/", views_bulk.group_slips, name="group_slips"),
]

operator_patterns = [
    path("libraries/<int:library_id>/blank-cards/", views.blank_cards, name="blank_cards"),
]

reader_patterns = [
    path("profile/", views.profile, name="profile"),
    path("merge/", views.merge, name="merge"),
    path("backup-login/", views.backup_login, name="backup_login"),
]
