from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from abonement.accounts import views as account_views
from abonement.api.api import api
from abonement.catalog import urls as catalog_urls
from abonement.circulation import urls as circulation_urls
from abonement.circulation import views_requests
from abonement.collections import urls as collection_urls
from abonement.core import views as core_views
from abonement.libraries.urls import operator_patterns, staff_patterns
from abonement.notifications import views as notice_views
from abonement.readers import urls as reader_urls
from abonement.reading import urls as reading_urls
from abonement.reports import urls as report_urls
from abonement.sip2 import urls as sip2_urls

# The admin signs in and out through our own pages: one throttle, the same events, the 5-device limit.
admin.site.login = account_views.admin_login_view
admin.site.logout = account_views.logout_view

staff_urls = (
    staff_patterns
    + reader_urls.staff_patterns
    + catalog_urls.staff_patterns
    + circulation_urls.staff_patterns
    + report_urls.staff_patterns
    + collection_urls.staff_patterns
    + reading_urls.staff_patterns
    + sip2_urls.staff_patterns
    + [
        path("notices/", notice_views.notice_list, name="notices"),
        path("notices/<int:notice_id>/", notice_views.notice_detail, name="notice"),
        path("requests/", views_requests.requests_list, name="requests"),
        path("requests/decide/", views_requests.requests_decide, name="requests_decide"),
    ],
    "staff",
)

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("abonement.accounts.urls")),
    path("staff/", include(staff_urls)),
    path(
        "operator/",
        include(
            (
                operator_patterns[0]
                + reader_urls.operator_patterns
                + catalog_urls.operator_patterns
                + collection_urls.operator_patterns,
                "operator",
            )
        ),
    ),
    path("my/", include("abonement.circulation.urls")),
    path("my/", include((reader_urls.reader_patterns, "readers"))),
    path("catalog/", include(catalog_urls)),
    path("opds/", include("abonement.opds.urls")),
    path("read/", include(reading_urls)),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "abonement.core.views.error_400"
handler403 = "abonement.core.views.error_403"
handler404 = "abonement.core.views.error_404"
handler500 = "abonement.core.views.error_500"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
