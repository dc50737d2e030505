from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abonement.libraries.models import TIMEZONE_CHOICES, WEEKDAYS, Library


class LibraryForm(forms.ModelForm):
    opening_weekdays = forms.MultipleChoiceField(
        label=_("Opening days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, required=False
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)

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
            "readers_without_contact",
        ]

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks
        self.fields["network"].label = _("Network")
        self.fields["network"].empty_label = None
        self.fields["parent"].queryset = Library.objects.filter(network__in=networks, parent__isnull=True)
        self.fields["parent"].empty_label = _("— none: this is a central library —")
        self.fields["timezone"].initial = self.instance.timezone
        if self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=self.instance.pk)
            self.fields["network"].disabled = True
        self.fields["name"].error_messages["required"] = _("Enter the library's name.")
        self.fields["contact_email"].error_messages["invalid"] = _(
            "Enter a valid e-mail address, like library@example.org."
        )
        self.initial.setdefault("opening_weekdays", list(self.instance.opening_weekdays or "12345"))

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
