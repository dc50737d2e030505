from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from abonement.libraries import timezones
from abonement.libraries.models import WEEKDAYS, Library

# One message for every way the cap can be wrong: it says the whole rule (models.ACQUISITION_PRICE_CAP_MAX).
PRICE_CAP_RULE = _("Enter a whole number of credits from 0 to 100000, or leave it empty for any price.")


class LibraryForm(forms.ModelForm):
    opening_weekdays = forms.MultipleChoiceField(
        label=_("Opening days"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one day the library is open.")},
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Type the first letters of a city in English to jump to it, like Riga."),
        error_messages={"invalid_choice": _("Choose a time zone from the list, like Europe/Riga.")},
    )

    class Meta:
        model = Library
        fields = [
            "network",
            "name",
            "parent",
            "address",
            "contact_email",
            "timezone",
            "opening_weekdays",
            "lending_mode",
            "self_service_enabled",
            "max_on_hand",
            "loan_days",
            "self_service_acquisition",
            "acquisition_price_cap",
            "notify_new_requests",
            "language",
            "readers_without_contact",
        ]
        error_messages = {
            "acquisition_price_cap": {rule: PRICE_CAP_RULE for rule in ("invalid", "min_value", "max_value")},
        }

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks
        self.fields["network"].label = _("Network")
        self.fields["network"].empty_label = None
        self.fields["parent"].queryset = Library.objects.filter(network__in=networks, parent__isnull=True)
        self.fields["parent"].empty_label = _("— none: this is a central library —")
        self.fields["timezone"].choices = self._timezone_choices(networks)
        if self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=self.instance.pk)
            self.fields["network"].disabled = True
        self.fields["name"].error_messages["required"] = _("Enter the library's name.")
        self.fields["contact_email"].error_messages["invalid"] = _(
            "Enter a valid e-mail address, like library@example.org."
        )
        # The model keeps the days as one string ("135"); the checkboxes need one value per day.
        self.initial["opening_weekdays"] = list(self.instance.opening_weekdays)

    def _timezone_choices(self, networks) -> list:
        """The network's usual zones (those its libraries use, and their countries') first, then every zone."""
        scope = Q(network=self.instance.network_id) if self.instance.pk else Q(network__in=networks)
        in_use = list(Library.objects.filter(scope).values_list("timezone", flat=True))
        usual = timezones.usual(in_use or [settings.TIME_ZONE])
        return [
            (_("Usual for the network"), [(tz, timezones.label(tz)) for tz in usual]),
            (_("All time zones"), [(tz, timezones.label(tz)) for tz in timezones.ALL]),
        ]

    def clean_opening_weekdays(self):
        return "".join(sorted(self.cleaned_data["opening_weekdays"]))


class LibrarianForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The login and password are sent to this address."),
        error_messages={"invalid": _("Enter a valid e-mail address, like name@example.org.")},
    )
    username = forms.RegexField(
        label=_("Login"),
        regex=r"^[A-Za-z][A-Za-z0-9._-]{2,149}$",
        error_messages={
            "invalid": _("A login is 3–150 Latin letters, digits, dots, dashes or underscores, starting with a letter.")
        },
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class CreditGrantForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Credits"),
        min_value=-100_000,
        max_value=100_000,
        help_text=_("A positive number adds credits; a negative one corrects a mistake (never below zero)."),
        error_messages={"invalid": _("Enter a whole number of credits, like 50.")},
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("The amount must be a whole number other than zero."))
        return amount
