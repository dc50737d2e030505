from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from abonement.accounts.identifiers import normalize_phone
from abonement.core import clock
from abonement.readers.models import Card, CardLendingMode, ContactConfirmation, Group, ReaderCategory

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
OLDEST_AGE_YEARS = 120


def validate_birth_date(value: date | None) -> date | None:
    if value is None:
        return value
    today = clock.now().date()
    if value > today:
        raise ValidationError(
            _("The birth date %(date)s is in the future."), params={"date": value.strftime("%d.%m.%Y")}
        )
    if value.year < today.year - OLDEST_AGE_YEARS:
        raise ValidationError(
            _("The birth date %(date)s is too long ago."), params={"date": value.strftime("%d.%m.%Y")}
        )
    return value


def clean_phone_value(raw: str) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    compact = raw.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if not compact.lstrip("+").isdigit():
        raise ValidationError(_("A phone number has digits only, with the country code, like 79261234567."))
    phone = normalize_phone(compact)
    if phone is None:
        raise ValidationError(
            _("%(phone)s is not a valid phone number: give it with the country code, like 79261234567."),
            params={"phone": raw},
        )
    return phone


class BirthDateField(forms.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault(
            "widget", forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "DD.MM.YYYY", "inputmode": "numeric"})
        )
        kwargs.setdefault("error_messages", {"invalid": _("Enter the date as DD.MM.YYYY, like 01.09.2012.")})
        kwargs.setdefault("validators", [validate_birth_date])
        super().__init__(**kwargs)


class ContactFields(forms.Form):
    """E-mail and phone as every reader form asks them: optional each, normalised, phone in E.164."""

    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        error_messages={"invalid": _("Enter a valid e-mail address, like name@example.org.")},
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=30,
        help_text=_("With the country code, like 79261234567 or 37120000000."),
    )

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower() or None

    def clean_phone(self):
        return clean_phone_value(self.cleaned_data.get("phone"))


class ReaderForm(ContactFields):
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, error_messages={"required": _("Enter the reader's full name.")}
    )
    birth_date = BirthDateField(
        label=_("Birth date"),
        error_messages={
            "required": _("Enter the birth date."),
            "invalid": _("Enter the date as DD.MM.YYYY, like 01.09.2012."),
        },
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=Group.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label=_("Language of messages"), choices=settings.LANGUAGES)

    field_order = ["full_name", "birth_date", "email", "phone", "groups", "language"]

    def __init__(self, *args, library, require_contact=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.require_contact = require_contact
        self.fields["groups"].queryset = Group.objects.filter(library=library)
        if not self.fields["groups"].queryset.exists():
            del self.fields["groups"]

    def clean(self):
        data = super().clean()
        if self.require_contact and not data.get("email") and not data.get("phone") and not self.errors:
            raise ValidationError(_("Give an e-mail or a phone: the login and password are sent there."))
        return data


class CardEditForm(ReaderForm):
    """Editing a card: contact data stays optional (blank cards, A4)."""

    def __init__(self, *args, card: Card, **kwargs):
        initial = {
            "full_name": card.full_name,
            "birth_date": card.birth_date,
            "email": card.user.email,
            "phone": card.user.phone,
            "groups": list(card.groups.all()),
            "language": card.user.language,
            "category": card.category,
        }
        super().__init__(*args, library=card.library, require_contact=False, initial=initial, **kwargs)
        del self.fields["language"]
        self.fields["category"] = forms.ChoiceField(
            label=Card._meta.get_field("category").verbose_name,
            choices=ReaderCategory.choices,
            initial=card.category,
            required=False,
            help_text=_("Circulation rules may differ by reader category."),
        )


class ProfileForm(ContactFields):
    """What a reader edits about themselves: name, birth date, e-mail and phone (each contact optional)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_date = BirthDateField(
        label=_("Birth date"),
        error_messages={
            "required": _("Enter your birth date."),
            "invalid": _("Enter the date as DD.MM.YYYY, like 01.09.2012."),
        },
    )

    field_order = ["full_name", "birth_date", "email", "phone"]

    def __init__(self, *args, card: Card, **kwargs):
        initial = {
            "full_name": card.full_name,
            "birth_date": card.birth_date,
            "email": card.user.email,
            "phone": card.user.phone,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})


class LendingForm(forms.ModelForm):
    class Meta:
        model = Card
        fields = ["lending_mode", "max_on_hand"]
        widgets = {"lending_mode": forms.RadioSelect(choices=CardLendingMode.choices)}


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name"]
        error_messages = {"name": {"required": _("Enter the group's name.")}}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, card number or group"), required=False, max_length=200)


class BlankCardsForm(forms.Form):
    count = forms.IntegerField(label=_("Number of cards"), min_value=1, max_value=1000, initial=10)


class MergeForm(forms.Form):
    identifier = forms.CharField(label=_("The other card number, e-mail or phone"), max_length=254)
    password = forms.CharField(label=_("Its password"), strip=False, widget=forms.PasswordInput, max_length=128)


class BackupLoginForm(ContactFields):
    kind = forms.ChoiceField(
        label=_("Backup login"),
        choices=ContactConfirmation.Kind.choices,
        widget=forms.RadioSelect,
        initial=ContactConfirmation.Kind.EMAIL,
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and not data.get(kind) and not self.errors:
            field = "email" if kind == ContactConfirmation.Kind.EMAIL else "phone"
            self.add_error(field, _("Enter it to receive the code."))
        return data

    @property
    def value(self) -> str:
        return self.cleaned_data[self.cleaned_data["kind"]]


class ConfirmCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"), regex=r"^\s*\d{6}\s*$", max_length=12, error_messages={"invalid": _("The code is 6 digits.")}
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, input_formats=DATE_FORMATS, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, input_formats=DATE_FORMATS, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("The period ends before it starts."))
        return data
