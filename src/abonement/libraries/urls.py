from django.urls import path

from abonement.libraries import views, views_calendar

operator_patterns = (
    [
        path("", views.operator_home, name="home"),
        path("libraries/new/", views.library_create, name="library_create"),
        path("libraries/<int:library_id>/", views.library_detail, name="library"),
        path("libraries/<int:library_id>/edit/", views.library_edit, name="library_edit"),
        path("libraries/<int:library_id>/credits/", views.library_credits, name="library_credits"),
        path("libraries/<int:library_id>/librarians/new/", views.librarian_create, name="librarian_create"),
        path(
            "libraries/<int:library_id>/librarians/<int:librarian_id>/reset-password/",
            views.librarian_reset_password,
            name="librarian_reset_password",
        ),
        path(
            "libraries/<int:library_id>/librarians/<int:librarian_id>/deactivate/",
            views.librarian_deactivate,
            name="librarian_deactivate",
        ),
        path(
            "libraries/<int:library_id>/librarians/<int:librarian_id>/reactivate/",
            views.librarian_reactivate,
            name="librarian_reactivate",
        ),
        path("libraries/<int:library_id>/calendar/", views_calendar.calendar_page, name="calendar"),
        path("libraries/<int:library_id>/calendar/hours/", views_calendar.calendar_hours, name="calendar_hours"),
        path(
            "libraries/<int:library_id>/calendar/closed/",
            views_calendar.calendar_closed_day_add,
            name="calendar_closed_day_add",
        ),
        path(
            "libraries/<int:library_id>/calendar/closed/remove/",
            views_calendar.calendar_closed_day_remove,
            name="calendar_closed_day_remove",
        ),
        path(
            "libraries/<int:library_id>/calendar/holidays/",
            views_calendar.calendar_holidays,
            name="calendar_holidays",
        ),
    ],
    "operator",
)

staff_patterns = [
    path("", views.staff_home, name="home"),
    path("library/switch/", views.switch_library, name="switch_library"),
    path("calendar/", views_calendar.calendar_home, name="calendar_home"),
    path("calendar/<int:library_id>/", views_calendar.calendar_page, name="calendar"),
    path("calendar/<int:library_id>/hours/", views_calendar.calendar_hours, name="calendar_hours"),
    path("calendar/<int:library_id>/closed/", views_calendar.calendar_closed_day_add, name="calendar_closed_day_add"),
    path(
        "calendar/<int:library_id>/closed/remove/",
        views_calendar.calendar_closed_day_remove,
        name="calendar_closed_day_remove",
    ),
    path("calendar/<int:library_id>/holidays/", views_calendar.calendar_holidays, name="calendar_holidays"),
]
