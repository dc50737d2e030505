from abonement.circulation import selectors as requests_selectors
from abonement.core import tenancy


def shell(request):
    """What the header shows: for staff the library, its balance and waiting requests."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    library = tenancy.current_library(request)
    context = {"is_operator": tenancy.is_operator(user), "staff_library": library}
    if library is not None:
        context["staff_library_choices"] = tenancy.staff_libraries(user).order_by("name")
        # The Ordered list's count, and whether requests arrived since the librarian last opened it.
        context.update(requests_selectors.staff_header(request, library))
    return context
