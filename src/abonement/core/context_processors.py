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
        # Requests arrive with the lending issue; until then nothing can be waiting.
        context["waiting_requests"] = 0
    return context
