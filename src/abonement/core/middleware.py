from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from abonement.core.errors import DomainError


class DomainErrorMiddleware:
    """A DomainError that no view handled becomes a clear 4xx page, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            back = request.POST.get("next") or request.META.get("HTTP_REFERER")
            if not (back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())):
                back = None
            context = {"error": exception, "back_url": back}
            return render(request, "errors/domain.html", context, status=exception.status)
        return None
