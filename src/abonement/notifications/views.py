from django.core.paginator import Paginator
from django.shortcuts import render

from abonement.core import tenancy
from abonement.notifications.models import Notice


@tenancy.librarian_required
def notice_list(request):
    library = tenancy.current_library(request)
    notices = Notice.objects.filter(library=library)
    status = request.GET.get("status")
    if status in Notice.Status.values:
        notices = notices.filter(status=status)
    page = Paginator(notices, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notice_list.html",
        {"page": page, "statuses": Notice.Status.choices, "status": status},
    )


@tenancy.librarian_required
def notice_detail(request, notice_id: int):
    notice = tenancy.get_scoped(tenancy.for_staff(request, Notice.objects.all()), pk=notice_id)
    return render(request, "notifications/notice_detail.html", {"notice": notice})
