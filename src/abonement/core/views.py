from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from abonement.core import tenancy


def home(request):
    """Send each person to where their work is; anonymous visitors see the catalogue search."""
    user = request.user
    if user.is_authenticated:
        if tenancy.is_operator(user):
            return redirect("operator:home")
        if tenancy.is_librarian(user):
            return redirect("staff:home")
        return redirect("circulation:my_books")
    return render(request, "core/home.html")


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 — health must answer, not crash
        return JsonResponse({"status": "error", "database": {"ok": False, "error": type(exc).__name__}}, status=503)
    return JsonResponse({"status": "ok", "database": {"ok": True, "vendor": connection.vendor}})


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_500(request):
    return render(request, "errors/500.html", status=500)
