"""Request and response helpers shared by the operator console (billing/admin/) and the
institution pages (billing/views.py): the month a page shows, and an invoice's downloads."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.documents import invoice_csv
from billing.models import Invoice
from billing.money import month_start, next_month
from billing.selectors import credit_notes_of


def month_param(request: HttpRequest, name: str = "month") -> date:
    """The first day of the month given as `YYYY-MM` (GET or POST); this month if absent or not a
    month, so a hand-made URL gets an ordinary page."""
    text = (request.POST.get(name) or request.GET.get(name) or "").strip()[:7]
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return month_start(timezone.localdate())


def month_end(first: date) -> date:
    return next_month(first) - timedelta(days=1)


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    """The PDF issued at period close. Billing files live under the public schema's storage prefix,
    whichever schema the request runs in."""
    with schema_context("public"):
        if not invoice.stored_pdf or not default_storage.exists(invoice.stored_pdf):
            raise Http404("账单文件不存在")
        with default_storage.open(invoice.stored_pdf, "rb") as stored:
            content = stored.read()
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


def invoice_csv_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(
        invoice_csv(invoice, credit_notes_of(invoice.pk)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.csv"'
    return response
