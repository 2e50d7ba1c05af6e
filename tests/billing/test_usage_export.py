"""The per-call usage list and its export (issue 24): every ledger entry of a month with the
invoice line it fell on, the same for the institution and the operator; formulas neutralised; and
the export reconciles with the invoice line by line."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from billing.models import CreditNote, Invoice, UsageEvent
from billing.services.catalogue import contract_price_set
from billing.services.invoicing import period_close
from billing.services.ledger import usage_correct
from billing.services.purchases import report_purchase
from tests.billing.conftest import OPS, SITE, Sale
from tests.billing.test_admin import operator_root
from tests.billing.test_institution_pages import member, signed_in

NOVEMBER = date(2026, 11, 1)
HEADER = ["时间（北京时间）", "区县", "合同编号", "产品", "类型", "幂等键", "查询主体", "数量",
          "金额（元，含税）", "账单编号", "账单行"]  # fmt: skip


def buy(sale: Sale, key: str) -> None:
    report_purchase(key=sale.key, district=sale.district, product="basic_report",
                    subject_code=sale.company_code, purpose="贷款审查", consent_id=None,
                    idempotency_key=key, site=SITE)  # fmt: skip


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def invoiced_month(sale: Sale) -> tuple[Invoice, CreditNote, list[UsageEvent]]:
    """Three reports (one under a 20 % discount), one corrected before close, one after."""
    buy(sale, "exp-0000001")
    buy(sale, "-exp-0000002")  # a key a spreadsheet would read as a formula
    with schema_context("public"):
        contract_price_set(actor=OPS, contract=sale.contract, product="basic_report",
                           valid_from=timezone.localdate(), discount_percent="20")  # fmt: skip
    buy(sale, "exp-0000003")
    with schema_context("public"):
        first = UsageEvent.objects.get(idempotency_key="exp-0000001")
        usage_correct(actor=OPS, event=first, reason="测试调用，免收")
        [invoice] = period_close(period=NOVEMBER, actor=OPS, today=date(2026, 12, 10))
        second = UsageEvent.objects.get(idempotency_key="-exp-0000002")
        usage_correct(actor=OPS, event=second, reason="系统故障重复出具", amount="4.00")
        note = CreditNote.objects.get()
        events = list(
            UsageEvent.objects.filter(contract=sale.contract).order_by("occurred_at", "id")
        )
    return invoice, note, events


def test_the_export_lists_every_entry_with_its_invoice_line(sale: Sale) -> None:
    invoice, note, events = invoiced_month(sale)
    with schema_context("public"):
        client = signed_in(member(sale.customer, "risk@bank.test"))

    exported = client.get("/institution/usage/export/?month=2026-11")
    page = client.get("/institution/usage/?month=2026-11&product=basic_report")
    xlsx = client.get("/institution/usage/export/?month=2026-11&format=xlsx")
    other_product = client.get("/institution/usage/export/?month=2026-11&product=score_query")

    rows = rows_of(exported.content)
    assert exported["Content-Disposition"].endswith('2026-11.csv"')
    assert rows[0] == HEADER
    subject = events[0].subject
    assert subject.endswith(f"（{sale.company_code}）")
    at = [timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S") for e in events]
    n = sale.contract.number
    assert rows[1:] == [
        [at[0], "万州区", n, "基础版信用报告", "调用计费", "exp-0000001", subject, "1", "10.00",
         invoice.number, "2"],
        [at[1], "万州区", n, "基础版信用报告", "调用计费", "'-exp-0000002", subject, "1", "10.00",
         invoice.number, "2"],
        [at[2], "万州区", n, "基础版信用报告", "调用计费", "exp-0000003", subject, "1", "8.00",
         invoice.number, "2"],
        [at[3], "万州区", n, "基础版信用报告", "冲正", "", subject, "-1", "-10.00",
         invoice.number, "1"],
        [at[4], "万州区", n, "基础版信用报告", "冲正", "", subject, "0", "-4.00",
         invoice.number, f"红字凭证 {note.number}"],
    ]  # fmt: skip
    assert rows_of(other_product.content) == [HEADER]
    body = page.content.decode()
    assert f"{invoice.number} 第2行" in body
    assert f"红字凭证 {note.number}" in body
    assert "-exp-0000002" in body
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [str(c) for c in cells[0]] == HEADER
    assert [(r[5], r[7], Decimal(str(r[8]))) for r in cells[1:]] == [
        ("exp-0000001", 1, Decimal("10")), ("'-exp-0000002", 1, Decimal("10")),
        ("exp-0000003", 1, Decimal("8")), (None, -1, Decimal("-10")), (None, 0, Decimal("-4")),
    ]  # fmt: skip


def test_the_export_reconciles_with_the_invoice_line_by_line(sale: Sale) -> None:
    invoice, note, _ = invoiced_month(sale)
    with schema_context("public"):
        client = signed_in(member(sale.customer, "risk@bank.test"))

    rows = rows_of(client.get("/institution/usage/export/?month=2026-11").content)[1:]

    lines: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    notes = Decimal(0)
    for row in rows:
        assert row[9] == invoice.number
        if row[10].startswith("红字凭证"):
            notes += Decimal(row[8])
            continue
        lines[int(row[10])][0] += int(row[7])
        lines[int(row[10])][1] += Decimal(row[8])
    assert {n: (int(u), str(a)) for n, (u, a) in lines.items()} == {
        n: (line["units"], line["amount_yuan"]) for n, line in enumerate(invoice.lines, start=1)
    }
    assert sum(a for _, a in lines.values()) == invoice.total_yuan == Decimal("18.00")
    assert notes == note.amount_yuan


def test_the_operator_sees_the_same_per_customer(sale: Sale) -> None:
    invoice, note, _ = invoiced_month(sale)
    with schema_context("public"):
        institution = signed_in(member(sale.customer, "risk@bank.test"))
        operator = operator_root()
    base = f"/admin/billing/customer/{sale.customer.pk}/usage/"

    page = operator.get(f"{base}?month=2026-11").content.decode()
    exported = operator.get(f"{base}export/?month=2026-11")
    theirs = institution.get("/institution/usage/export/?month=2026-11")

    assert "逐笔用量" in page
    assert f"{invoice.number} 第2行" in page
    assert exported.content == theirs.content
    assert (
        operator.get(f"/admin/billing/customer/{sale.customer.pk}/change/")
        .content.decode()
        .count("逐笔用量")
        == 1
    )
