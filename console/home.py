"""The district staff console: sign-in, first sign-in by one-time link, and the overview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.accounts.forms import LoginForm, password_set_by_link
from core.accounts.models import User
from core.accounts.services import login_link_peek
from core.catalog.selectors import catalog_category_list
from core.common.errors import ApplicationError


class ConsoleLoginView(LoginView):
    template_name = "portal_theme/console/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class ConsoleLogoutView(LogoutView):
    next_page = "/console/login/"


def first_login(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link: the new admin sets a password and is signed in."""
    try:
        account = login_link_peek(token=token)
    except ApplicationError as exc:
        return render(
            request, "portal_theme/console/link_invalid.html", {"message": exc.message}, status=404
        )
    form, signed_in = password_set_by_link(request, token)
    if signed_in:
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
