from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from abonement.readers.forms import DATE_FORMATS
from abonement.reports.statistics import EVENT_REPORT_KINDS

MAX_PERIOD_DAYS = 366  # a year, leap years included: every report of a year stays a handful of queries
# Days a report may name: no library data is older, and a plan reaches at most a year ahead. Beyond, the
# period's limits overflow the calendar (0001-01-01 in a time zone east of UTC, 9999-12-31 plus a day).
FIRST_DAY = date(2000, 1, 1)
DAYS_AHEAD = 366
PRESETS = [
    ("today", _("Today")),
    ("yesterday", _("Yesterday")),
    ("week", _("Week")),
    ("month", _("Month")),
    ("custom", _("Custom range")),
]
FORMATS = [("", _("Show on the page")), ("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV"))]


def preset_range(preset: str, today):
    """Week: the last 7 days, today included; month: the last 30 days, today included."""
    return {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "week": (today - timedelta(days=6), today),
        "month": (today - timedelta(days=29), today),
    }.get(preset)


class PeriodForm(forms.Form):
    preset = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)
    start = forms.DateField(
        label=_("Start of period"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("End of period"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, required=False, widget=forms.RadioSelect)

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        chosen = preset_range(data.get("preset") or "", self.today)
        if chosen:
            data["start"], data["end"] = chosen
            # The form shows the preset's days as a custom range, so editing a day after a preset takes effect.
            self.data = self.data.copy()
            for name, value in {"preset": "custom", "start": chosen[0], "end": chosen[1]}.items():
                self.data[name] = str(value)
            return data
        last_day = self.today + timedelta(days=DAYS_AHEAD)
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not FIRST_DAY <= day <= last_day:
                self.add_error(
                    name,
                    _("%(field)s: choose a day from %(first)s to %(last)s.")
                    % {
                        "field": self.fields[name].label,
                        "first": FIRST_DAY.strftime("%d.%m.%Y"),
                        "last": last_day.strftime("%d.%m.%Y"),
                    },
                )
        start, end = data.get("start"), data.get("end")
        if "start" not in self.errors and start is None:
            self.add_error("start", _("Enter the first day of the period."))
        if "end" not in self.errors and end is None:
            self.add_error("end", _("Enter the last day of the period."))
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        elif start and end and (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("end", _("A period is at most %(days)d days long.") % {"days": MAX_PERIOD_DAYS})
        return data


class EventsForm(PeriodForm):
    kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(kind.value, kind.label) for kind in EVENT_REPORT_KINDS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of event.")},
    )

    field_order = ["preset", "start", "end", "kinds", "format"]
