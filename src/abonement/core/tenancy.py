"""Scoping by construction: staff and operator views get objects only through these helpers.

A guessed id of another library's object is then a 404, never someone else's data (SPEC T2).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from abonement.libraries.models import Library, Network

SESSION_LIBRARY_KEY = "staff_library_id"


def operator_networks(user) -> QuerySet[Network]:
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_superuser:
        return Network.objects.all()
    return Network.objects.filter(operators=user)


def operator_libraries(user) -> QuerySet[Library]:
    return Library.objects.filter(network__in=operator_networks(user))


def staff_libraries(user) -> QuerySet[Library]:
    if not user.is_authenticated:
        return Library.objects.none()
    return Library.objects.filter(staff_memberships__user=user, staff_memberships__deactivated_at__isnull=True)


def is_operator(user) -> bool:
    return operator_networks(user).exists()


def is_librarian(user) -> bool:
    return staff_libraries(user).exists()


def current_library(request) -> Library | None:
    """The library a librarian is working in now (chosen in the header when they hold several)."""
    if hasattr(request, "_current_library"):
        return request._current_library
    libraries = staff_libraries(request.user).select_related("network")
    chosen = None
    if request.session.get(SESSION_LIBRARY_KEY):
        chosen = libraries.filter(pk=request.session[SESSION_LIBRARY_KEY]).first()
    request._current_library = chosen or libraries.order_by("name", "id").first()
    return request._current_library


def _guard(allowed):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


librarian_required = _guard(lambda request: current_library(request) is not None)
operator_required = _guard(lambda request: is_operator(request.user))


def for_staff(request, queryset: QuerySet, field: str = "library") -> QuerySet:
    """Rows of the libraries the librarian is granted."""
    return queryset.filter(**{f"{field}__in": staff_libraries(request.user)})


def for_operator(request, queryset: QuerySet, field: str = "network") -> QuerySet:
    """Rows of the networks the operator runs."""
    return queryset.filter(**{f"{field}__in": operator_networks(request.user)})


def get_scoped(queryset: QuerySet, **lookup):
    """`get` that answers 404 for anything outside the already scoped queryset."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
