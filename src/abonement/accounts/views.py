from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from abonement.accounts import services
from abonement.accounts.forms import LoginForm, PasswordResetCodeForm, PasswordResetRequestForm
from abonement.core.errors import DomainError, add_to_form


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


@sensitive_post_parameters("password")
def login_view(request):
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = services.sign_in(request, **form.cleaned_data)
            except DomainError as error:
                status = add_to_form(form, error)
            else:
                response = redirect(_safe_next(request) or "home")
                _remember_language(response, user.language)
                return response
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request)}, status=status)


def _remember_language(response, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )


@require_POST
def set_language_view(request):
    """Django's language switch, plus: a signed-in person's choice is kept for their notices (SPEC N2)."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.set_language(user=request.user, language=language)
    return response


@never_cache
def admin_login_view(request, extra_context=None):
    """Replaces the admin's own login form, so the admin has our throttle, events and device limit too.

    After signing in here the admin still asks for is_staff; someone signed in without it is refused
    rather than sent back to a login they have already passed.
    """
    target = _safe_next(request) or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(target, reverse("accounts:login"))
    if admin.site.has_permission(request):
        return redirect(target)
    raise PermissionDenied


@require_POST
def logout_view(request):
    services.sign_out(request)
    return redirect("accounts:login")


@login_required
@sensitive_post_parameters()
def password_change_view(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.change_password(request, user=request.user, new_password=form.cleaned_data["new_password1"])
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
        return render(request, "accounts/password_change.html", {"form": form}, status=400)
    return render(request, "accounts/password_change.html", {"form": form})


def password_reset_request_view(request):
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.request_password_reset(
                    identifier=form.cleaned_data["identifier"],
                    ip=services.client_ip(request),
                    language=translation.get_language(),
                )
            except DomainError as error:
                status = add_to_form(form, error)
            else:
                # kept for the code form, which a reader without e-mail fills in next
                request.session[RESET_IDENTIFIER] = form.cleaned_data["identifier"]
                code_form = PasswordResetCodeForm(initial={"identifier": form.cleaned_data["identifier"]})
                return render(request, "accounts/password_reset_sent.html", {"form": code_form})
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


RESET_IDENTIFIER = "password_reset_identifier"


@sensitive_post_parameters("new_password1", "new_password2", "code")
def password_reset_code_view(request):
    """The code sent by SMS and a new password. A login we do not know is answered as a wrong code."""
    form = PasswordResetCodeForm(request.POST or None, initial={"identifier": request.session.get(RESET_IDENTIFIER)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.reset_password_by_code(
                    identifier=form.cleaned_data["identifier"],
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password1"],
                    ip=services.client_ip(request),
                )
            except ValidationError as error:
                form.add_error("new_password1", error)
            except DomainError as error:
                status = add_to_form(form, error, {"wrong_code": "code"})
            else:
                request.session.pop(RESET_IDENTIFIER, None)
                messages.success(request, _("Your password has been set. You can sign in now."))
                return redirect("accounts:login")
    return render(request, "accounts/password_reset_code.html", {"form": form}, status=status)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_reset_done(user=form.user, ip=services.client_ip(self.request))
        messages.success(self.request, _("Your password has been set. You can sign in now."))
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response
