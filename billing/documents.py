"""The invoice as a PDF (Chinese, the report's embedded font) and as CSV."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from billing.enums import BillingMode
from billing.models import CreditNote, Invoice
from core.common import pdf
from core.common.pdf import build, escape, table
from core.stats.exports import as_csv


def invoice_pdf(invoice: Invoice, *, operator: str) -> bytes:
    styles = pdf.styles()
    body = styles["body"]
    total, tax = invoice.total_yuan, invoice.tax_yuan
    story: list[Any] = [
        Paragraph("信用服务费用账单", styles["title"]),
        Spacer(1, 4 * mm),
        table(
            [
                ["账单编号", invoice.number, "账期", f"{invoice.period:%Y年%m月}"],
                ["客户", invoice.customer.name, "统一社会信用代码", invoice.customer.uscc],
                ["区县平台", invoice.district.name, "合同编号", invoice.contract.number],
                [
                    "付费方式",
                    BillingMode(invoice.mode).label,
                    "出具日期",
                    f"{timezone.localtime(invoice.issued_at):%Y-%m-%d}",
                ],
            ],
            [24 * mm, 60 * mm, 32 * mm, 58 * mm],
            body,
        ),  # fmt: skip
        Paragraph("费用明细", styles["h2"]),
        table(
            [["产品", "类型", "数量", "金额（元，含税）"]]
            + [
                [line["product"], line["kind"], f"{line['units']}", line["amount_yuan"]]
                for line in invoice.lines
            ]  # fmt: skip
            + [["合计", "", "", f"{total}"]],
            [62 * mm, 40 * mm, 26 * mm, 46 * mm],
            body,
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            escape(
                f"价税合计：{total}元；其中不含税金额{total - tax}元，"
                f"增值税（税率{int(invoice.tax_rate * 100)}%）{tax}元。"
            ),
            body,
        ),  # fmt: skip
        Paragraph(
            "本期费用已从预付余额中扣除，无需另行支付。"
            if invoice.mode == BillingMode.PREPAID
            else "请于收到本账单之日起30日内付款。增值税发票依本账单另行开具。",
            body,
        ),
        Spacer(1, 6 * mm),
        Paragraph(
            escape(f"出具方：{operator}。本账单出具后不再修改；如需更正，以红字凭证冲减。"),
            styles["muted"],
        ),  # fmt: skip
    ]
    return build(story, f"信用服务费用账单 {invoice.number}")


def invoice_csv(invoice: Invoice, credit_notes: list[CreditNote]) -> bytes:
    """Lines and credit notes, one row each (Excel-safe: BOM, formula text neutralised)."""
    month = f"{invoice.period:%Y-%m}"
    head = [invoice.number, month, invoice.customer.name, invoice.district.name]
    rows: list[list[object]] = [
        [*head, line["product"], line["kind"], line["units"], Decimal(line["amount_yuan"])]
        for line in invoice.lines
    ]
    rows += [[*head, f"红字凭证 {n.number}", n.reason, "", n.amount_yuan] for n in credit_notes]
    rows.append([*head, "账单合计", "", "", invoice.total_yuan])
    if credit_notes:
        net = invoice.total_yuan + sum((n.amount_yuan for n in credit_notes), Decimal("0.00"))
        rows.append([*head, "冲红后应付", "", "", net])
    headers = ["账单编号", "账期", "客户", "区县", "产品", "类型", "数量", "金额（元，含税）"]
    return as_csv(("账单", headers, rows))
