"""The district staff console: sign-in, first sign-in by one-time link, and the overview."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.accounts.models import User
from core.accounts.services import login_link_peek, login_link_redeem
from core.catalog.selectors import catalog_category_list
from core.common.errors import ApplicationError


class ConsoleLoginView(LoginView):
    template_name = "portal_theme/console/login.html"
    redirect_authenticated_user = True


class ConsoleLogoutView(LogoutView):
    next_page = "/console/login/"


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(label="新密码", widget=forms.PasswordInput, min_length=10)
    password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise forms.ValidationError("两次输入的密码不一致")
        return data


def first_login(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link: the new admin sets a password and is signed in."""
    try:
        account = login_link_peek(token=token)
    except ApplicationError as exc:
        return render(
            request, "portal_theme/console/link_invalid.html", {"message": exc.message}, status=404
        )
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_link_redeem(token=token, new_password=form.cleaned_data["password1"])
        except ApplicationError as exc:
            form.add_error("password1", exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("console-home")
    return render(
        request, "portal_theme/console/first_login.html", {"form": form, "account": account}
    )


@login_required
def console_home(request: HttpRequest) -> HttpResponse:
    staff = User.objects.order_by("email")
    return render(
        request,
        "portal_theme/console/home.html",
        {"categories": catalog_category_list(), "staff": staff},
    )
