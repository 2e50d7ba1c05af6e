"""Period close: after a month and its grace period, each contract with entries in that month gets
one immutable invoice built from the ledger (PDF and CSV). Idempotent: a month already invoiced is
skipped, so the task can run every day."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.documents import invoice_pdf
from billing.enums import EntryKind
from billing.lock_objects import contract_for_update
from billing.models import Contract, Invoice, UsageEvent
from billing.money import VAT_RATE, month_start, next_month, vat_included
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind


def period_closable(period: date, today: date) -> bool:
    return today >= next_month(period) + timedelta(days=settings.BILLING_GRACE_DAYS)


def period_close(*, period: date, actor: Actor, today: date | None = None) -> list[Invoice]:
    """Invoice every contract with ledger entries in `period` (a month) that has no invoice yet."""
    period = month_start(period)
    today = today or timezone.localdate()
    if not period_closable(period, today):
        raise ValidationFailed(
            f"{period:%Y年%m月}的账期须在次月{settings.BILLING_GRACE_DAYS}日宽限期满后关闭",
            field="period",
        )
    with schema_context("public"):
        contract_ids = (
            UsageEvent.objects.filter(period=period)
            .exclude(contract__invoices__period=period)
            # The sandbox's zero-priced test calls are never invoiced (billing/services/sandbox.py).
            .exclude(district__kind=DistrictKind.SANDBOX)
            .values_list("contract_id", flat=True)
            .distinct()
        )
        return [invoice for pk in sorted(set(contract_ids))
                if (invoice := _invoice(pk, period, actor)) is not None]  # fmt: skip


def periods_close_due(*, actor: Actor, today: date | None = None) -> list[Invoice]:
    """Close last month once its grace period has passed (beat runs this daily)."""
    today = today or timezone.localdate()
    last = month_start(month_start(today) - timedelta(days=1))
    return (
        period_close(period=last, actor=actor, today=today) if period_closable(last, today) else []
    )


def _invoice(contract_id: int, period: date, actor: Actor) -> Invoice | None:
    with transaction.atomic():
        contract: Contract = contract_for_update(contract_id)
        if Invoice.objects.filter(contract=contract, period=period).exists():
            return None
        sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for event in UsageEvent.objects.select_related("product").filter(
            contract=contract, period=period
        ):
            line = sums[(event.product.name, EntryKind(event.kind).label)]
            line[0] += event.units
            line[1] += event.amount_yuan
        lines = [{"product": product, "kind": kind, "units": int(units), "amount_yuan": str(amount)}
                 for (product, kind), (units, amount) in sorted(sums.items())]  # fmt: skip
        total = sum((amount for _, amount in sums.values()), Decimal("0.00"))
        number = f"ZD{period:%Y%m}-{contract.pk:06d}"
        invoice = Invoice(
            contract=contract, customer=contract.customer, district=contract.district, number=number,
            period=period, lines=lines, total_yuan=total, tax_yuan=vat_included(total),
            tax_rate=VAT_RATE, mode=contract.mode, issued_at=timezone.now(),
        )  # fmt: skip
        pdf = invoice_pdf(invoice, operator=settings.OPERATOR_NAME)
        invoice.stored_pdf = default_storage.save(f"invoices/{number}.pdf", ContentFile(pdf))
        invoice.sha256 = hashlib.sha256(pdf).hexdigest()
        try:
            with transaction.atomic():
                invoice.save()
        except IntegrityError:  # closed concurrently by another run
            default_storage.delete(invoice.stored_pdf)
            return None
        platform_audit_record(actor=actor, action="billing.invoice_issue",
                              district_schema=contract.district.schema_name,
                              details={"invoice": number, "total": str(total)})  # fmt: skip
    return invoice
