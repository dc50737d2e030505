"""The opening calendar pages (SPEC P2): a librarian edits the weekly hours, closed days and public holidays of
their libraries and their branches; an operator those of the network's libraries (the same views under
/operator/). Thin: parsing in the forms below, changes in libraries.calendar_services."""

import re
from datetime import datetime, time, timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from abonement.core import clock, tenancy
from abonement.core.errors import DomainError
from abonement.core.ids import parse_id
from abonement.libraries import calendar_services, holidays
from abonement.libraries.calendar import WEEKDAY_NAMES, calendar_for, check_hours
from abonement.libraries.models import ClosedDay, Library, OpeningHours

UPCOMING_DAYS = 14
INTERVAL = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})\s*$")


def calendar_libraries(user):
    """The libraries whose calendar a librarian may edit: their own and the branches of them."""
    own = tenancy.staff_libraries(user)
    return Library.objects.filter(Q(pk__in=own) | Q(parent__in=own)).distinct()


def _scope(request):
    if request.resolver_match.namespace == "operator":
        return tenancy.operator_libraries(request.user)
    return calendar_libraries(request.user)


def editor_required(view):
    """Librarians under /staff/, operators under /operator/."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        operator = request.resolver_match.namespace == "operator"
        guard = tenancy.operator_required if operator else tenancy.librarian_required
        return guard(view)(request, *args, **kwargs)

    return wrapper


def _back(request, library):
    return redirect(f"{request.resolver_match.namespace}:calendar", library_id=library.pk)


def _time(hours: str, minutes: str) -> time | None:
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        return None


class HoursForm(forms.Form):
    """One text field a weekday: "09:00–13:00, 14:00–18:00"; empty = closed that weekday."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for weekday, name in enumerate(WEEKDAY_NAMES):
            self.fields[f"day{weekday}"] = forms.CharField(
                label=name,
                required=False,
                max_length=200,
                help_text=gettext_lazy("Like 09:00–13:00, 14:00–18:00. Empty: closed.") if weekday == 0 else "",
            )

    def clean(self):
        data = super().clean()
        intervals = []
        for weekday, name in enumerate(WEEKDAY_NAMES):
            text = (data.get(f"day{weekday}") or "").strip()
            for part in filter(None, (p.strip() for p in text.split(","))):
                match = INTERVAL.match(part)
                opens = match and _time(match[1], match[2])
                closes = match and _time(match[3], match[4])
                if not opens or not closes:
                    self.add_error(
                        f"day{weekday}",
                        _("%(weekday)s: write each time span as 09:00–18:00, separated by commas.") % {"weekday": name},
                    )
                    break
                intervals.append((weekday, opens, closes))
        if not self.errors:
            try:
                check_hours(intervals)
            except DomainError as error:
                weekday = next(w for w, n in enumerate(WEEKDAY_NAMES) if str(n) == str(error.params["weekday"]))
                self.add_error(f"day{weekday}", str(error))
        data["intervals"] = intervals
        return data


def hours_initial(library) -> dict:
    by_day: dict[int, list[str]] = {}
    for row in OpeningHours.objects.filter(library=library).order_by("weekday", "opens"):
        by_day.setdefault(row.weekday, []).append(f"{row.opens:%H:%M}–{row.closes:%H:%M}")
    return {f"day{weekday}": ", ".join(spans) for weekday, spans in by_day.items()}


class ClosedDayForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Date"),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("Enter the date."), "invalid": gettext_lazy("Enter a date.")},
    )
    name = forms.CharField(
        label=gettext_lazy("Why closed"),
        max_length=200,
        error_messages={"required": gettext_lazy("Say why the library is closed, like “Sanitary day”.")},
    )


class HolidaysForm(forms.Form):
    country = forms.ChoiceField(label=gettext_lazy("Country"), choices=list(holidays.COUNTRIES.items()))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)


def _upcoming(library, now: datetime) -> list[dict]:
    cal = calendar_for(library)
    today = cal.local_date(now)
    names = dict(ClosedDay.objects.filter(library_id__in=[library.pk, library.parent_id]).values_list("day", "name"))
    days = []
    for offset in range(UPCOMING_DAYS):
        day = today + timedelta(days=offset)
        is_open = cal.is_open(day)
        days.append(
            {
                "day": day,
                "open": is_open,
                "hours": cal.hours.get(day.weekday(), ()) if is_open else (),
                "reason": names.get(day, ""),
            }
        )
    return days


def _page(request, library, *, hours_form=None, closed_form=None, holidays_form=None, status=200):
    now = clock.now()
    today = calendar_for(library).local_date(now)
    year = today.year
    context = {
        "library": library,
        "ns": request.resolver_match.namespace,
        "libraries": _scope(request).order_by("name"),
        "hours_form": hours_form or HoursForm(initial=hours_initial(library)),
        "closed_form": closed_form or ClosedDayForm(),
        "holidays_form": holidays_form or HolidaysForm(initial={"year": year, "country": "lv"}),
        "holiday_buttons": [(code, name, y) for y in (year, year + 1) for code, name in holidays.COUNTRIES.items()],
        "closed_days": ClosedDay.objects.filter(library=library, day__gte=today),
        "inherits_hours": bool(library.parent_id) and not OpeningHours.objects.filter(library=library).exists(),
        "upcoming": _upcoming(library, now),
    }
    return render(request, "libraries/calendar.html", context, status=status)


def _library(request, library_id):
    return tenancy.get_scoped(_scope(request).select_related("parent"), pk=library_id)


@tenancy.librarian_required
def calendar_home(request):
    return redirect("staff:calendar", library_id=tenancy.current_library(request).pk)


@editor_required
def calendar_page(request, library_id: int):
    return _page(request, _library(request, library_id))


@editor_required
@require_POST
def calendar_hours(request, library_id: int):
    library = _library(request, library_id)
    form = HoursForm(request.POST)
    if not form.is_valid():
        return _page(request, library, hours_form=form, status=400)
    try:
        calendar_services.set_opening_hours(
            actor=request.user, library=library, intervals=form.cleaned_data["intervals"]
        )
    except DomainError as error:
        form.add_error(None, str(error))
        return _page(request, library, hours_form=form, status=error.status)
    messages.success(request, _("Opening hours saved."))
    return _back(request, library)


@editor_required
@require_POST
def calendar_closed_day_add(request, library_id: int):
    library = _library(request, library_id)
    form = ClosedDayForm(request.POST)
    if not form.is_valid():
        return _page(request, library, closed_form=form, status=400)
    try:
        calendar_services.add_closed_day(actor=request.user, library=library, **form.cleaned_data)
    except DomainError as error:
        form.add_error("day", str(error))
        return _page(request, library, closed_form=form, status=error.status)
    messages.success(request, _("Closed day saved."))
    return _back(request, library)


@editor_required
@require_POST
def calendar_closed_day_remove(request, library_id: int):
    library = _library(request, library_id)
    closed_day = tenancy.get_scoped(ClosedDay.objects.filter(library=library), pk=parse_id(request.POST.get("id")))
    calendar_services.remove_closed_day(actor=request.user, library=library, closed_day_id=closed_day.pk)
    messages.success(request, _("The library is open on %(day)s again.") % {"day": closed_day.day.strftime("%d.%m.%Y")})
    return _back(request, library)


@editor_required
@require_POST
def calendar_holidays(request, library_id: int):
    library = _library(request, library_id)
    form = HolidaysForm(request.POST)
    if not form.is_valid():
        return _page(request, library, holidays_form=form, status=400)
    added = calendar_services.add_public_holidays(actor=request.user, library=library, **form.cleaned_data)
    messages.success(request, _("Public holidays added: %(count)d.") % {"count": added})
    return _back(request, library)
