"""The institution pages on the operator's domain (/institution/): a customer's own logins see
their contracts with this month's usage and balances, usage per month, and their invoices.

A login sees only its own customer's data: the customer comes from its CustomerMember row, never
from the URL, and an invoice number of another customer is a 404 like a missing one."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from billing.http import (
    invoice_csv_response,
    invoice_pdf_response,
    month_end,
    month_param,
)
from billing.models import Customer, Invoice
from billing.selectors import (
    contract_standing_list,
    customer_get_for_user,
    invoice_access_by_number,
    invoices_of,
    usage_table,
)
from core.accounts.forms import LoginForm, password_set_by_link
from core.accounts.services import LINK_INVALID, login_link_peek
from core.common.errors import ApplicationError, NotFound

LOGIN_URL = "/institution/login/"

MemberView = Callable[..., HttpResponse]


class InstitutionLoginView(LoginView):
    template_name = "billing/institution/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = "/institution/"


class InstitutionLogoutView(LogoutView):
    next_page = LOGIN_URL


def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link from the operator: the new institution login sets its password."""
    try:
        account = login_link_peek(token=token)
    except ApplicationError as exc:
        return render(request, "billing/institution/link_invalid.html", {"message": exc.message},
                      status=404)  # fmt: skip
    customer = customer_get_for_user(account.pk)
    if customer is None:  # an operator's own account: its links are not redeemed here
        return render(request, "billing/institution/link_invalid.html",
                      {"message": LINK_INVALID}, status=404)  # fmt: skip
    form, signed_in = password_set_by_link(request, token)
    if signed_in:
        return redirect("institution-home")
    return render(request, "billing/institution/welcome.html",
                  {"form": form, "account": account, "customer": customer})  # fmt: skip


def member_required(view: MemberView) -> Callable[..., HttpResponse]:
    """Signed in, and a member of a customer (passed to the view); otherwise the login page or a
    403 page that says why."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), LOGIN_URL)
        customer = customer_get_for_user(request.user.pk)
        if customer is None:
            return render(request, "billing/institution/forbidden.html", status=403)
        return view(request, customer, *args, **kwargs)

    return wrapper


@member_required
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Contracts per district: mode, caps, usage this month, what is left, wallet and packages."""
    today = timezone.localdate()
    standings = contract_standing_list(customer_id=customer.pk, day=today)
    return render(request, "billing/institution/home.html",
                  {"customer": customer, "standings": standings, "today": today})  # fmt: skip


@member_required
def usage(request: HttpRequest, customer: Customer) -> HttpResponse:
    month = month_param(request)
    rows = usage_table(start=month, end=month_end(month), customer_id=customer.pk)
    return render(request, "billing/institution/usage.html", {
        "customer": customer, "month": month, "rows": rows,
        "total_units": sum(r.units for r in rows),
        "total_amount": sum((r.amount_yuan for r in rows), start=Decimal("0.00")),
    })  # fmt: skip


@member_required
def invoices(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(request, "billing/institution/invoices.html",
                  {"customer": customer, "invoices": invoices_of(customer.pk)})  # fmt: skip


def _own_invoice(customer: Customer, number: str) -> Invoice:
    """The customer's invoice with this number; another customer's is a 404 like a missing one."""
    try:
        return invoice_access_by_number(customer_id=customer.pk, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from None


@member_required
def invoice_pdf(request: HttpRequest, customer: Customer, number: str) -> HttpResponse:
    return invoice_pdf_response(_own_invoice(customer, number))


@member_required
def invoice_csv(request: HttpRequest, customer: Customer, number: str) -> HttpResponse:
    return invoice_csv_response(_own_invoice(customer, number))
