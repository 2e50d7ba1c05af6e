"""The one-time-link password form and the login forms, shared by the staff console and the
institution pages (the operator console has its own login form)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from core.accounts.lockout import login_refusal
from core.accounts.services import login_link_redeem
from core.common.errors import ApplicationError


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(label="新密码", widget=forms.PasswordInput, min_length=10)
    password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise forms.ValidationError("两次输入的密码不一致")
        return data


def password_set_by_link(request: HttpRequest, token: str) -> tuple[SetPasswordForm, bool]:
    """Bind the form to the request; on a valid POST, redeem the link and sign the user in.
    Returns the form (with any refusal on it) and whether the user is now signed in."""
    form = SetPasswordForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return form, False
    try:
        user = login_link_redeem(token=token, new_password=form.cleaned_data["password1"])
    except ApplicationError as exc:
        form.add_error("password1", exc.message)
        return form, False
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return form, True


class _LoginLimitMessage(AuthenticationForm):
    """A login refused by the login limits says why (a lock and the time left, in Chinese)
    instead of "wrong password" (core/accounts/lockout.py)."""

    def get_invalid_login_error(self) -> ValidationError:
        refusal = login_refusal(self.request)
        if refusal is not None:
            return ValidationError(refusal.message, code="login_limited")
        return super().get_invalid_login_error()


class LoginForm(_LoginLimitMessage):
    """The staff console's and the institution pages' login form."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "邮箱或密码不正确，请重新输入。",
        "inactive": "邮箱或密码不正确，请重新输入。",
    }


class OperatorLoginForm(_LoginLimitMessage, AdminAuthenticationForm):
    """The operator console's (Django admin's) login form."""
