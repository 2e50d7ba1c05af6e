"""Where an HTML form meets a service, for every page that has one (the staff console, the portal,
the operator console): a refusal (ApplicationError) goes back on the form, in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse

from core.common.errors import ApplicationError

# What a form does once it is valid: call a service with the cleaned data and return the page for
# success. An ApplicationError it raises goes back on the form.
Act = Callable[[dict[str, Any]], HttpResponse]


def date_input(**attrs: Any) -> forms.DateInput:
    """A browser date picker. Its value must be ISO (`2026-12-07`): Django's default for zh-Hans
    (`2026/12/07`) is dropped by browsers, so an initial value or a value sent back with an error
    came back empty."""
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def form_error(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Put a service's refusal on the form field it names, or on the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def form_submit(request: HttpRequest, form: forms.BaseForm, act: Act) -> HttpResponse | None:
    """On a valid POST, run `act` with the cleaned data and return its response; a refusal goes
    on the form (`form_error`). None means the form is to be shown (again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return act(form.cleaned_data)
    except ApplicationError as exc:
        form_error(form, exc)
        return None
