"""Corrections are compensating entries; a month is invoiced once after its grace period, the
invoice never changes, and later corrections become credit notes: the ledger always adds up."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import Sum
from django_tenants.utils import schema_context
from pypdf import PdfReader

from billing.documents import invoice_csv
from billing.enums import BillingMode
from billing.models import Contract, CreditNote, Invoice, UsageEvent, UsageRollup
from billing.services.invoicing import period_close, periods_close_due
from billing.services.ledger import usage_correct
from billing.services.purchases import report_purchase
from core.common.errors import ApplicationError
from tests.billing.conftest import OPS, SITE, Sale

NOVEMBER = date(2026, 11, 1)


def buy(sale: Sale, key: str) -> None:
    report_purchase(key=sale.key, district=sale.district, product="basic_report",
                    subject_code=sale.company_code, purpose="贷款审查", consent_id=None,
                    idempotency_key=key, site=SITE)  # fmt: skip


def charges(sale: Sale) -> list[UsageEvent]:
    return list(UsageEvent.objects.filter(contract=sale.contract, kind="charge").order_by("id"))


def test_a_correction_gives_money_and_quota_back_once(sale: Sale) -> None:
    buy(sale, "inv-00000001")
    buy(sale, "inv-00000002")
    first = charges(sale)[0]

    with schema_context("public"):
        usage_correct(actor=OPS, event=first, reason="重复调用，经核实退还")
        with pytest.raises(ApplicationError, match="该流水可冲正的余额为0.00元"):
            usage_correct(actor=OPS, event=first, reason="再退一次")

    rollup = UsageRollup.objects.get()
    assert (rollup.units, rollup.amount_yuan) == (1, Decimal("10.00"))
    assert UsageEvent.objects.filter(kind="correction").values_list("units", "amount_yuan", "corrects").get() == (
        -1, Decimal("-10.00"), first.pk)  # fmt: skip


def test_a_partial_correction_of_a_prepaid_charge_refunds_the_wallet(sale: Sale) -> None:
    Contract.objects.filter(pk=sale.contract.pk).update(
        mode=BillingMode.PREPAID, wallet_balance_yuan=Decimal("50.00")
    )
    buy(sale, "inv-00000001")

    with schema_context("public"):
        usage_correct(actor=OPS, event=charges(sale)[0], reason="价格优惠", amount="2.50")

    assert Contract.objects.get(pk=sale.contract.pk).wallet_balance_yuan == Decimal("42.50")


def test_the_ledger_refuses_edits_and_deletes(sale: Sale) -> None:
    buy(sale, "inv-00000001")

    for change in (
        lambda: UsageEvent.objects.update(amount_yuan=0),
        lambda: UsageEvent.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()


def test_a_month_closes_only_after_its_grace_period(sale: Sale) -> None:
    buy(sale, "inv-00000001")

    with schema_context("public"):
        with pytest.raises(ApplicationError, match="宽限期"):
            period_close(period=NOVEMBER, actor=OPS, today=date(2026, 12, 3))
        assert periods_close_due(actor=OPS, today=date(2026, 12, 3)) == []
        [invoice] = periods_close_due(actor=OPS, today=date(2026, 12, 4))
        assert periods_close_due(actor=OPS, today=date(2026, 12, 5)) == []

    assert (invoice.number, invoice.total_yuan, invoice.tax_yuan) == (
        f"ZD202611-{sale.contract.pk:06d}", Decimal("10.00"), Decimal("0.57"))  # fmt: skip


def test_the_invoice_adds_up_and_later_corrections_become_credit_notes(sale: Sale) -> None:
    for n in range(3):
        buy(sale, f"inv-0000000{n}")
    with schema_context("public"):
        usage_correct(actor=OPS, event=charges(sale)[0], reason="测试调用，免收")  # before close
        [invoice] = period_close(period=NOVEMBER, actor=OPS, today=date(2026, 12, 10))
        usage_correct(actor=OPS, event=charges(sale)[1], reason="系统故障重复出具")  # after close

        note = CreditNote.objects.get()
        period_sum = UsageEvent.objects.filter(contract=sale.contract, period=NOVEMBER).aggregate(
            s=Sum("amount_yuan")
        )["s"]
        assert invoice.total_yuan == Decimal("20.00")
        assert (note.invoice_id, note.amount_yuan, note.reason) == (
            invoice.pk,
            Decimal("-10.00"),
            "系统故障重复出具",
        )
        assert period_sum == invoice.total_yuan + note.amount_yuan
        assert invoice.lines == [
            {"product": "基础版信用报告", "kind": "冲正", "units": -1, "amount_yuan": "-10.00"},
            {"product": "基础版信用报告", "kind": "调用计费", "units": 3, "amount_yuan": "30.00"},
        ]
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(total_yuan=0)

        with default_storage.open(invoice.stored_pdf, "rb") as handle:
            text = "".join(
                page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages
            )
        csv_text = invoice_csv(invoice, [note]).decode("utf-8-sig")

    for expected in ("信用服务费用账单", "2026年11月", "重庆某银行股份有限公司", "万州区", "基础版信用报告", "20.00",
                     "增值税（税率6%）1.13元"):  # fmt: skip
        assert expected in text.replace("\n", "")
    assert csv_text.splitlines()[0] == "账单编号,账期,客户,区县,产品,类型,数量,金额（元，含税）"
    assert csv_text.splitlines()[-3:] == [
        f"{invoice.number},2026-11,重庆某银行股份有限公司,万州区,红字凭证 {note.number},系统故障重复出具,,-10.00",
        f"{invoice.number},2026-11,重庆某银行股份有限公司,万州区,账单合计,,,20.00",
        f"{invoice.number},2026-11,重庆某银行股份有限公司,万州区,冲红后应付,,,10.00",
    ]
