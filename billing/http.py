"""Request and response helpers shared by the operator console (billing/admin/) and the
institution pages (billing/views.py): the month a page shows, and an invoice's downloads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.documents import invoice_csv
from billing.enums import BulkProduct, ProductCode
from billing.exports import usage_csv, usage_xlsx
from billing.models import BulkJob, Customer, Invoice
from billing.money import month_start, next_month
from billing.selectors import call_rows, credit_notes_of, usage_calls
from billing.services.bulk_jobs import results_csv, results_json, results_xlsx, results_zip
from tenants.links import district_url
from tenants.models import District


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


def district_absolute(request: HttpRequest, district: District, path: str) -> str:
    """`path` as an absolute link on the district's domain (its signed file links are served
    only there), reached the way this request was; an absolute URL (S3) is kept."""
    if path.startswith(("http://", "https://")):
        return path
    if getattr(request, "tenant", None) == district:
        return request.build_absolute_uri(path)
    domain = district.domains.order_by("-is_primary", "domain").first()
    if domain is None:
        return request.build_absolute_uri(path)
    return district_url(domain=domain.domain, path=path,
                        scheme="https" if request.is_secure() else "http", port=request.get_port())  # fmt: skip


def job_results_response(request: HttpRequest, job: BulkJob, fmt: str) -> HttpResponseBase:
    """A bulk job's results as CSV, XLSX or JSON (a basic report's row with the short-lived link
    to its PDF, as reportPurchase's `pdfUrl`), or the reports' PDFs as a ZIP."""
    district = job.contract.district

    def link(url: str) -> str:
        return district_absolute(request, district, url)

    if fmt == "zip" and job.product == BulkProduct.BASIC_REPORT:
        return FileResponse(results_zip(job), as_attachment=True,
                            filename=f"bulk-job-{job.pk}-reports.zip",
                            content_type="application/zip")  # fmt: skip
    writers: dict[str, tuple[Callable[..., bytes], str]] = {
        "csv": (results_csv, "text/csv; charset=utf-8"),
        "xlsx": (results_xlsx,
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "json": (results_json, "application/json; charset=utf-8"),
    }  # fmt: skip
    if fmt not in writers:
        raise Http404("不支持的格式")
    write, content_type = writers[fmt]
    response = HttpResponse(write(job, link=link), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="bulk-job-{job.pk}.{fmt}"'
    return response


def product_param(request: HttpRequest) -> str:
    """A product code from the query string; empty (all products) if absent or unknown."""
    code = (request.GET.get("product") or "").strip()
    return code if code in ProductCode.values else ""


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def usage_export_response(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The customer's per-call entries of the month (`month`, `product` in the query string) as
    CSV, or XLSX with `format=xlsx`."""
    month = month_param(request)
    rows = call_rows(list(usage_calls(customer_id=customer.pk, month=month,
                                      product=product_param(request))))  # fmt: skip
    xlsx = request.GET.get("format") == "xlsx"
    response = HttpResponse(
        usage_xlsx(rows) if xlsx else usage_csv(rows),
        content_type=XLSX if xlsx else "text/csv; charset=utf-8",
    )
    name = f"usage-{customer.uscc}-{month:%Y-%m}.{'xlsx' if xlsx else 'csv'}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
