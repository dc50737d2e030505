from django import forms
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
