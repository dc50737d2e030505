from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("Card number, e-mail, phone or login"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": _("Enter your card number, e-mail, phone or login.")},
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )


class PasswordResetRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("Card number, e-mail or phone"),
        max_length=254,
        error_messages={"required": _("Enter your card number, e-mail or phone.")},
    )


class PasswordResetCodeForm(forms.Form):
    """The code a reader without e-mail got by SMS, and their new password (SPEC A5)."""

    identifier = forms.CharField(
        label=_("Card number, e-mail or phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": _("Enter your card number, e-mail or phone.")},
    )
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"invalid": _("The code is 6 digits."), "required": _("Enter the code from the SMS.")},
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("New password confirmation"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_new_password2(self):
        first, second = self.cleaned_data.get("new_password1"), self.cleaned_data["new_password2"]
        if first and first != second:
            raise forms.ValidationError(_("The two password fields didn’t match."))
        return second
