"""The web reader, the audio player, their position sync, the signed content endpoint, ratings and reviews.

Thin: parse, call content/services, render. DomainErrors become pages in core's middleware, JSON here.
"""

import base64
import json
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abonement.catalog import fragments
from abonement.catalog import selectors as catalog_selectors
from abonement.circulation.models import Loan
from abonement.core import tenancy
from abonement.core.errors import DomainError
from abonement.reading import content, phone, services
from abonement.reading.models import LOCATOR_MAX_CHARS, Chapter, Position, Review

# The reader page renders book sections in iframes made from blob: URLs (foliate-js), which inherit this policy:
# frames, images, fonts and the book's own stylesheets may come from blob:, and the book's inline <style>
# elements are allowed. Scripts stay 'self' only, so no script inside a book ever runs.
READER_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, "blob:", CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "blob:", "data:"],
    "frame-src": ["blob:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


class BrokenBook(DomainError):
    code = "broken_book"
    status = 422
    message = gettext_lazy("This book cannot be opened: its file is damaged. Please tell the library.")


def _open_loan(request, loan_id: int) -> Loan:
    loans = Loan.objects.select_related("title", "library").filter(card__user=request.user, ended_at__isnull=True)
    return tenancy.get_scoped(loans, pk=loan_id)


def _check_epub(title) -> None:
    """Refuse a file that is not an EPUB the renderer can open (truncated zip, no container.xml) up front."""
    try:
        with title.content.open("rb") as fileobj, zipfile.ZipFile(fileobj) as book:
            fragments.spine_documents(book)
    except (zipfile.BadZipFile, OSError, fragments.BrokenBook) as exc:
        raise BrokenBook from exc


@login_required
@require_GET
@csp_override(READER_CSP)
def read(request, loan_id: int):
    """Read or listen to a title on loan: the EPUB reader, the audio player, or the PDF in the browser's viewer."""
    loan = _open_loan(request, loan_id)
    title = loan.title
    if not title.content:
        raise Http404
    url = content.signed_url(loan=loan)
    kind = content.content_type(title.content.name)
    if kind == "application/pdf":
        return redirect(url)
    position = Position.objects.filter(user=request.user, title=title).first()
    context = {"loan": loan, "title": title, "content_url": url, "position": position}
    if kind.startswith("audio/"):
        context["chapters"] = list(Chapter.objects.filter(title=title))
        return render(request, "reading/listen.html", context)
    _check_epub(title)
    return render(request, "reading/reader.html", context)


@require_GET
def content_file(request, token: str):
    """The loan's file, whole or one byte range (206), streamed; 403 once the loan ends, 416 out of bounds."""
    loan = content.loan_for_token(token)
    storage, name = loan.title.content.storage, loan.title.content.name
    try:
        size = storage.size(name)
    except FileNotFoundError as exc:
        raise Http404 from exc
    try:
        first_last = content.byte_range(request.headers.get("Range"), size)
    except content.RangeNotSatisfiable as exc:
        response = HttpResponse(str(exc), status=416, content_type="text/plain; charset=utf-8")
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = first_last or (0, size - 1)
    response = StreamingHttpResponse(
        content.stream(storage.open(name, "rb"), start, end),
        status=206 if first_last else 200,
        content_type=content.content_type(name),
    )
    response["Content-Length"] = str(max(0, end - start + 1))
    if first_last:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


def _json_error(error: DomainError) -> JsonResponse:
    return JsonResponse({"code": error.code, "detail": str(error)}, status=error.status)


@login_required
@require_http_methods(["GET", "PUT"])
def position(request, title_id: int):
    """GET: where this reader stopped in the title, from any device. PUT {"locator", "fraction"}: save it."""
    title = get_object_or_404(catalog_selectors.visible_titles(request.user).only("pk"), pk=title_id)
    if request.method == "GET":
        saved = Position.objects.filter(user=request.user, title=title).first()
        if saved is None:
            return JsonResponse({"locator": None, "fraction": 0})
        return JsonResponse({"locator": saved.locator, "fraction": saved.fraction, "updated_at": saved.updated_at})
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        return _json_error(services.BadPosition(max=LOCATOR_MAX_CHARS))
    try:
        saved = services.save_position(
            user=request.user, title=title, locator=body.get("locator"), fraction=body.get("fraction", 0)
        )
    except DomainError as error:
        return _json_error(error)
    return JsonResponse({"locator": saved.locator, "fraction": saved.fraction, "updated_at": saved.updated_at})


@login_required
@require_POST
def review(request, title_id: int):
    """Rate and review a title (or change the earlier rating); back to the book page."""
    title = get_object_or_404(catalog_selectors.visible_titles(request.user), pk=title_id)
    services.save_review(
        user=request.user, title=title, rating=request.POST.get("rating"), text=request.POST.get("text", "")
    )
    messages.success(request, _("Thank you: your rating is saved."))
    return redirect("catalog:title", title_id=title.pk)


@tenancy.librarian_required
@require_POST
def hide_review(request, review_id: int):
    """Staff of the reviewer's library hide a review with a reason."""
    found = tenancy.get_scoped(tenancy.for_staff(request, Review.objects.all()), pk=review_id)
    services.hide_review(staff=request.user, review=found, reason=request.POST.get("reason", ""))
    messages.success(request, _("The review is hidden."))
    return redirect("catalog:title", title_id=found.title_id)


@login_required
@require_POST
def phone_send(request, title_id: int):
    """Send the reader a one-time link to this title and show it as a QR code to scan."""
    title = get_object_or_404(catalog_selectors.visible_titles(request.user), pk=title_id)
    url = phone.send_link(user=request.user, title=title)
    qr = base64.b64encode(phone.qr_png(url)).decode()
    sent_to = request.user.email or request.user.phone
    return render(
        request, "reading/phone.html", {"title": title, "qr": qr, "sent_to": sent_to, "minutes": phone.LINK_MINUTES}
    )


@require_GET
def phone_open(request, token: str):
    """The link from "read on my phone": signs in once and opens the book; spent, it asks for the password."""
    try:
        link = phone.open_link(request, token=token)
    except phone.PhoneLinkSpent as error:
        if request.user.is_authenticated:
            raise
        messages.error(request, str(error))
        return redirect_to_login(reverse("home"))
    loan = Loan.objects.filter(card__user=link.user, title=link.title, ended_at__isnull=True).first()
    if loan is not None and link.title.content:
        return redirect("reading:read", loan_id=loan.pk)
    return redirect("catalog:title", title_id=link.title_id)
