"""Staff page of the library's self-check kiosks: create, change, deactivate, and see when each was last seen.
Thin: changes in sip2.services; accounts of the librarian's current library only (another's id is a 404)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abonement.core import tenancy
from abonement.core.errors import DomainError, add_to_form
from abonement.sip2 import services
from abonement.sip2.models import SipAccount

PERMISSIONS = ["charset", "may_checkout", "may_checkin", "may_renew", "may_pay", "require_patron_password"]


class NewAccountForm(forms.ModelForm):
    password = forms.CharField(label=gettext_lazy("password"), widget=forms.PasswordInput, min_length=8)

    class Meta:
        model = SipAccount
        fields = ["login", "institution_id", *PERMISSIONS]


class AccountForm(forms.ModelForm):
    password = forms.CharField(
        label=gettext_lazy("new password"),
        widget=forms.PasswordInput,
        required=False,
        min_length=8,
        help_text=gettext_lazy("Leave empty to keep the current one."),
    )

    class Meta:
        model = SipAccount
        fields = [*PERMISSIONS, "active"]


def _accounts(request):
    return SipAccount.objects.filter(library=tenancy.current_library(request)).order_by("login")


def _page(request, form, status=200):
    return render(
        request,
        "sip2/accounts.html",
        {"accounts": _accounts(request), "form": form, "library": tenancy.current_library(request)},
        status=status,
    )


@tenancy.librarian_required
def accounts_page(request):
    if request.method != "POST":
        return _page(request, NewAccountForm())
    form = NewAccountForm(request.POST)
    if form.is_valid():
        try:
            services.create_account(library=tenancy.current_library(request), **form.cleaned_data)
        except DomainError as error:
            return _page(request, form, status=add_to_form(form, error, {"sip_login_taken": "login"}))
        messages.success(request, _("Kiosk account %(login)s created.") % {"login": form.cleaned_data["login"]})
        return redirect("staff:sip_accounts")
    return _page(request, form, status=400)


@tenancy.librarian_required
def account_edit(request, account_id: int):
    account = tenancy.get_scoped(_accounts(request), pk=account_id)
    form = AccountForm(request.POST or None, instance=account)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_account(account=account, **form.cleaned_data)
            except DomainError as error:
                status = add_to_form(form, error, {"sip_password_too_short": "password"})
            else:
                messages.success(request, _("Kiosk account %(login)s saved.") % {"login": account.login})
                return redirect("staff:sip_accounts")
    account.refresh_from_db()
    return render(request, "sip2/account_edit.html", {"account": account, "form": form}, status=status)
