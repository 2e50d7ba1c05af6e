"""The one-time-link password form, shared by the staff console and the institution pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login
from django.http import HttpRequest

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
