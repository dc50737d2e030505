"""Records reader visits after each answer; the rule is in reports.visits."""

import logging

from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError

from abonement.core.ids import parse_id
from abonement.reports.visits import record_visit

logger = logging.getLogger(__name__)

# Staff and operator pages are work, not visits; files and health checks are not people.
SKIPPED_PREFIXES = ("/staff/", "/operator/", "/admin/", "/static/", "/media/", "/healthz")


def _named_card(request) -> int:
    """The card id the form named, else 0. Never raises: it runs after the view has saved its change, so a
    body the view never read (too many fields, a broken upload) or a hostile id only loses the card's name."""
    if request.method != "POST" or request.content_type not in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        return 0
    try:
        value = request.POST.get("card", "")
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
        return 0
    return parse_id(value) or 0


class VisitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # After the view, so a sign-in counts on the request that signs in.
        if (
            user is not None
            and user.is_authenticated
            and response.status_code < 400
            and not request.path.startswith(SKIPPED_PREFIXES)
        ):
            try:
                record_visit(user.pk, _named_card(request))
            except OperationalError as error:
                # A visit is a statistic; a database busy with a long writer loses this one, not the page.
                logger.warning("visit not recorded: %s", error)
        return response
