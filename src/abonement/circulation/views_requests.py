"""The librarian's *Ordered* list (SPEC L4): the library's waiting requests, sorted and checked for problems,
approved or rejected one or many at once. Thin: figures come from circulation.selectors, every change from
circulation.services.

Request ids travel in POST bodies; they are looked up among the current library's requests only, so a
foreign id changes nothing.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from abonement.circulation import selectors, services
from abonement.circulation.models import Request
from abonement.core import clock, tenancy
from abonement.core.errors import DomainError
from abonement.core.ids import parse_ids

PAGE_SIZE = 100
MAX_SELECTED = 1000
NOT_APPROVED_SESSION_KEY = "requests_not_approved"

COLUMNS = [
    ("waiting", gettext_lazy("Waiting")),
    ("reader", gettext_lazy("Reader")),
    ("on_hand", gettext_lazy("On hand")),
    ("requested", gettext_lazy("Requested")),
    ("title", gettext_lazy("Book")),
    ("demand", gettext_lazy("Readers asking")),
]


def _list_state(request) -> dict:
    """Sort, filter and page of the list; the decide form posts to a URL carrying the same query string."""
    key, direction = selectors.parse_sort(request.GET.get("sort"))
    show = request.GET.get("show") if request.GET.get("show") in selectors.FILTERS else "all"
    return {"key": key, "direction": direction, "show": show, "page": request.GET.get("page")}


def _query(state: dict, **changes) -> str:
    values = {**state, **changes}
    query = QueryDict(mutable=True)
    if (values["key"], values["direction"]) != selectors.DEFAULT_SORT:
        query["sort"] = ("-" if values["direction"] == "desc" else "") + values["key"]
    if values["show"] != "all":
        query["show"] = values["show"]
    if values.get("page") and str(values["page"]) != "1":
        query["page"] = str(values["page"])
    return query.urlencode()


def _columns(state: dict) -> list[dict]:
    columns = []
    for key, label in COLUMNS:
        active = key == state["key"]
        first_click = selectors.SORTS[key][1]
        direction = ("asc" if state["direction"] == "desc" else "desc") if active else first_click
        columns.append(
            {
                "key": key,
                "label": label,
                "aria_sort": ({"asc": "ascending", "desc": "descending"}[state["direction"]] if active else None),
                "query": _query(state, key=key, direction=direction, page=None),
            }
        )
    return columns


def _render(request, library, state: dict, *, status: int = 200, error: DomainError | str = "", **form):
    """The list; after a refused decision (status 4xx) with the error, the ticks and the reason kept."""
    now = clock.now()
    selectors.mark_seen(request.session, library, now)
    today = now.date()  # the date the lending checks use (services._Borrowers)
    requests = selectors.waiting_requests(library)
    if state["show"] == "problems":
        requests = selectors.problems_only(requests, today=today)
    requests = selectors.sorted_by(requests, state["key"], state["direction"])
    page = Paginator(requests, PAGE_SIZE).get_page(state["page"])
    rows = selectors.rows(page.object_list, now=now, today=today)
    return render(
        request,
        "circulation/requests.html",
        {
            "page": page,
            "rows": rows,
            "columns": _columns(state),
            "state": state,
            "query": _query(state),
            "query_all": _query(state, show="all", page=None),
            "query_problems": _query(state, show="problems", page=None),
            "page_query": _query(state, page=None),
            "not_approved": request.session.pop(NOT_APPROVED_SESSION_KEY, []) if status == 200 else [],
            "error": str(error),
            "reason_missing": isinstance(error, services.ReasonRequired),
            "selected": set(form.get("selected", ())),
            "reason": form.get("reason", ""),
            "all_ticked": form.get("all_ticked", False),
        },
        status=status,
    )


@tenancy.librarian_required
def requests_list(request):
    return _render(request, tenancy.current_library(request), _list_state(request))


def _selected_ids(post) -> list[int] | None:
    """Ids the librarian chose: a row's own button, else the ticked boxes (and the page's when "all on this
    page" is ticked, which works without JavaScript). None when the post is not a list of ids."""
    for one in ("approve_one", "reject_one"):
        if post.get(one):
            values = [post[one]]
            break
    else:
        values = post.getlist("request")
        if post.get("all_on_page"):
            values += post.get("page_ids", "").split(",")
    values = [v.strip() for v in values if v.strip()]
    return parse_ids(values, limit=MAX_SELECTED)


def _action(post) -> str | None:
    if post.get("approve_one"):
        return "approve"
    if post.get("reject_one"):
        return "reject"
    return post.get("action") if post.get("action") in {"approve", "reject"} else None


@tenancy.librarian_required
@require_POST
def requests_decide(request):
    library = tenancy.current_library(request)
    state = _list_state(request)
    ids, action, reason = _selected_ids(request.POST), _action(request.POST), request.POST.get("reason", "")

    def refuse(message: DomainError | str, status: int = 400):
        return _render(
            request,
            library,
            state,
            status=status,
            error=message,
            selected=ids or (),
            reason=reason,
            all_ticked=bool(request.POST.get("all_on_page")),
        )

    if ids is None or action is None:
        return refuse(_("The form was not understood. Tick requests and press Approve or Reject."))
    chosen = list(
        Request.objects.filter(library=library, pk__in=ids)
        .exclude(kind=Request.Kind.RESERVATION)
        .select_related("card", "title")
        .order_by("created_at", "id")
    )
    if not chosen:
        return refuse(_("Tick at least one request."))
    if action == "reject":
        try:
            rejected = services.reject_requests(librarian=request.user, requests=chosen, reason=reason)
        except DomainError as error:
            return refuse(error, status=error.status)
        messages.success(
            request,
            ngettext(
                "Rejected %(count)d request; the reader is told the reason.",
                "Rejected %(count)d requests; the readers are told the reason.",
                len(rejected),
            )
            % {"count": len(rejected)},
        )
    else:
        outcomes = services.approve_requests(librarian=request.user, requests=chosen)
        approved = sum(1 for outcome in outcomes if outcome.error is None)
        report = messages.success if approved else messages.warning
        report(
            request,
            ngettext("Approved %(count)d request.", "Approved %(count)d requests.", approved) % {"count": approved},
        )
        not_approved = [
            {
                "reader": outcome.request.card.full_name or outcome.request.card.number,
                "number": outcome.request.card.number,
                "title": outcome.request.title.title,
                "reason": str(outcome.error),
            }
            for outcome in outcomes
            if outcome.error is not None
        ]
        if not_approved:
            request.session[NOT_APPROVED_SESSION_KEY] = not_approved
    query = _query(state)
    return redirect(reverse("staff:requests") + (f"?{query}" if query else ""))
