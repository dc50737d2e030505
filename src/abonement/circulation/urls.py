from django.urls import path

from abonement.circulation import views

app_name = "circulation"

urlpatterns = [
    path("", views.my_books, name="my_books"),
    path("titles/<int:title_id>/take/", views.take, name="take"),
    path("titles/<int:title_id>/request/", views.request_title, name="request"),
    path("titles/<int:title_id>/queue/", views.join_queue, name="queue"),
    path("titles/<int:title_id>/defer/", views.defer, name="defer"),
    path("loans/<int:loan_id>/return/", views.return_loan, name="return"),
    path("requests/<int:request_id>/cancel/", views.cancel_request, name="cancel_request"),
    path("holds/<int:hold_id>/leave/", views.leave_queue, name="leave_queue"),
]

staff_patterns = [
    path("fund/", views.fund, name="fund"),
    path("fund/export/<str:fmt>/", views.fund_export, name="fund_export"),
    path("titles/<int:title_id>/issue/", views.force_issue, name="force_issue"),
]

from abonement.circulation import views_desk  # noqa: E402 — the desk's lines, appended (issue #14)

staff_patterns += [
    path("desk/", views_desk.desk_page, name="desk"),
    path("desk/scan/", views_desk.scan, name="desk_scan"),
    path("desk/close/", views_desk.close_reader, name="desk_close"),
    path("desk/slip/", views_desk.slip, name="desk_slip"),
]
