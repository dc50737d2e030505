from django.urls import path

from abonement.circulation import views, views_desk, views_paper_loans, views_reservations, views_rules

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
    path("items/<int:item_id>/reserve/", views_reservations.reserve, name="reserve"),
    path("titles/<int:title_id>/queue/<int:library_id>/", views_reservations.join_paper_queue, name="paper_queue"),
    path("reservations/<int:request_id>/cancel/", views_reservations.cancel_reservation, name="cancel_reservation"),
    path("holds/<int:hold_id>/give-back/", views_reservations.give_back, name="give_back"),
    path("loans/<int:loan_id>/renew/", views_paper_loans.renew, name="renew"),
]

staff_patterns = [
    path("fund/", views.fund, name="fund"),
    path("fund/export/<str:fmt>/", views.fund_export, name="fund_export"),
    path("titles/<int:title_id>/issue/", views.force_issue, name="force_issue"),
    path("reservations/", views_reservations.reservations_list, name="reservations"),
    path("reservations/decide/", views_reservations.reservations_decide, name="reservations_decide"),
    path("holds/<int:hold_id>/give-back/", views_reservations.staff_give_back, name="give_back"),
    path("circulation-rules/", views_rules.rules_page, name="circulation_rules"),
    path("circulation-rules/item-types/add/", views_rules.item_type_add, name="item_type_add"),
    path(
        "circulation-rules/item-types/<int:item_type_id>/rename/", views_rules.item_type_rename, name="item_type_rename"
    ),
    path("circulation-rules/new/", views_rules.rule_create, name="rule_create"),
    path("circulation-rules/<int:rule_id>/", views_rules.rule_edit, name="rule_edit"),
    path("circulation-rules/<int:rule_id>/delete/", views_rules.rule_delete, name="rule_delete"),
    path("renewals/", views_paper_loans.renewal_list, name="renewals"),
    path("renewals/decide/", views_paper_loans.renewal_decide, name="renewals_decide"),
    path("loans/<int:loan_id>/renew/", views_paper_loans.desk_renew, name="desk_renew"),
    path("readers/<int:card_id>/fines/pay/", views_paper_loans.fine_pay, name="fine_pay"),
    path("readers/<int:card_id>/fines/waive/", views_paper_loans.fine_waive, name="fine_waive"),
    path("desk/", views_desk.desk_page, name="desk"),
    path("desk/scan/", views_desk.scan, name="desk_scan"),
    path("desk/close/", views_desk.close_reader, name="desk_close"),
    path("desk/slip/", views_desk.slip, name="desk_slip"),
]
