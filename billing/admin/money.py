"""Money in and out, all append-only: top-ups of prepaid wallets, monthly invoices (with their PDF
and CSV) and the credit notes that corrections issue against them."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from billing.admin import base
from billing.http import invoice_csv_response, invoice_pdf_response
from billing.models import CreditNote, Invoice, WalletTopUp


@admin.register(WalletTopUp)
class WalletTopUpAdmin(base.ReadOnlyAdmin[WalletTopUp]):
    list_display = ("paid_at", "contract_link", "amount_yuan", "balance_after_yuan", "reference",
                    "paid_by")  # fmt: skip
    list_select_related = ("contract",)
    search_fields = ("contract__number", "reference")
    fields = (
        "paid_at",
        "contract_link",
        "amount_yuan",
        "balance_after_yuan",
        "reference",
        "paid_by",
    )
    readonly_fields = ("paid_at", "contract_link", "paid_by")
    paid_at = base.column("at", "充值时间")
    paid_by = base.actor_column("recorded_by", "记录人")


@admin.register(Invoice)
class InvoiceAdmin(base.ReadOnlyAdmin[Invoice]):
    list_display = (
        "number",
        "customer_name",
        "district_name",
        "period_text",
        "mode",
        "total_yuan",
        "tax_yuan",
        "issued_at",
        "downloads",
    )
    list_filter = (
        base.CUSTOMER_FILTER,
        base.DISTRICT_FILTER,
        base.PeriodFilter,
    )
    list_select_related = ("customer", "district")
    search_fields = ("number", "customer__name")
    fields = (
        "number",
        "customer_name",
        "district_name",
        "contract_link",
        "period_text",
        "mode",
        "lines_table",
        "total_yuan",
        "tax_yuan",
        "tax_rate",
        "credit_note_list",
        "issued_at",
        "checksum",
        "downloads",
    )
    readonly_fields = (
        "period_text",
        "lines_table",
        "credit_note_list",
        "downloads",
        "customer_name",
        "district_name",
        "contract_link",
        "checksum",
    )
    checksum = base.column("sha256", "PDF 校验值（SHA-256）")
    period_text = base.show_period
    change_list_template = "admin/billing/invoice/change_list.html"

    @admin.display(description="明细")
    def lines_table(self, obj: Invoice) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((ln["product"], ln["kind"], ln["units"], ln["amount_yuan"]) for ln in obj.lines),
        )
        return format_html(
            "<table><tr><th>产品</th><th>类型</th><th>数量</th><th>金额（元，含税）</th></tr>"
            "{}</table>",
            rows,
        )

    @admin.display(description="红字凭证")
    def credit_note_list(self, obj: Invoice) -> str:
        notes = obj.credit_notes.order_by("issued_at")
        return "；".join(f"{n.number} {n.amount_yuan}元（{n.reason}）" for n in notes) or "无"

    @admin.display(description="下载")
    def downloads(self, obj: Invoice) -> str:
        return format_html(
            '<a href="{}">PDF</a> <a href="{}">CSV</a>',
            reverse("admin:billing_invoice_pdf", args=[obj.pk]),
            reverse("admin:billing_invoice_csv", args=[obj.pk]),
        )

    def extra_urls(self) -> list[base.ExtraUrl]:
        return [
            ("<int:pk>/pdf/", self._download(invoice_pdf_response), "billing_invoice_pdf"),
            ("<int:pk>/csv/", self._download(invoice_csv_response), "billing_invoice_csv"),
        ]

    def _download(
        self, respond: Callable[[Invoice], HttpResponse]
    ) -> Callable[[HttpRequest, int], HttpResponse]:
        def download(request: HttpRequest, pk: int) -> HttpResponse:
            if not self.has_view_permission(request):
                raise PermissionDenied
            invoices = Invoice.objects.select_related("customer", "district", "contract")
            return respond(base.row_or_404(invoices, pk, "没有该账单"))

        return download


@admin.register(CreditNote)
class CreditNoteAdmin(base.ReadOnlyAdmin[CreditNote]):
    list_display = ("number", "invoice_link", "amount_yuan", "reason", "issued")
    list_select_related = ("invoice",)
    search_fields = ("number", "invoice__number")
    fields = ("number", "invoice_link", "correction_link", "amount_yuan", "reason", "issued")
    readonly_fields = ("invoice_link", "correction_link", "issued")
    invoice_link = base.column("invoice", "账单", link=True)
    correction_link = base.column("correction", "冲正流水", link=True)
    issued = base.column("issued_at", "出具时间")
