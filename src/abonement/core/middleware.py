from django.shortcuts import render

from abonement.core.errors import DomainError


class DomainErrorMiddleware:
    """A DomainError that no view handled becomes a clear 4xx page, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return render(request, "errors/domain.html", {"error": exception}, status=exception.status)
        return None
