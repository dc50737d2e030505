from django.urls import path

from abonement.reports import views

staff_patterns = [
    path("reports/", views.general, name="reports"),
    path("reports/events/", views.events, name="report_events"),
    path("reports/attendance/", views.attendance, name="report_attendance"),
    path("reports/circulation/", views.circulation, name="report_circulation"),
    path("reports/exports/", views.export_list, name="report_exports"),
    path("reports/exports/<int:export_id>/", views.export_detail, name="report_export"),
    path("reports/exports/<int:export_id>/file/", views.export_file, name="report_export_file"),
]
