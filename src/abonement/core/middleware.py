import logging

from django.db import OperationalError
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from abonement.core.errors import DomainError, ServiceBusy

logger = logging.getLogger(__name__)


class DomainErrorMiddleware:
    """A DomainError that no view handled becomes a clear 4xx page, never a 500; so does a database that cannot
    take a write now (SQLite locked by a long import, a PostgreSQL lock timeout): 503 "try again". Each service
    runs in one transaction, so what failed was rolled back whole."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError):
            logger.warning("database busy on %s %s: %s", request.method, request.path, exception)
            exception = ServiceBusy()
        if isinstance(exception, DomainError):
            back = request.POST.get("next") or request.META.get("HTTP_REFERER")
            if not (back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())):
                back = None
            context = {"error": exception, "back_url": back}
            return render(request, "errors/domain.html", context, status=exception.status)
        return None
