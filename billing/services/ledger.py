"""Corrections: compensating entries with a reason, never edits. A correction of a month that was
already invoiced also issues a credit note against that invoice, in the same transaction."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from billing.enums import BillingMode, EntryKind
from billing.lock_objects import contract_for_update, packages_for_update
from billing.models import Contract, CreditNote, Invoice, UsageEvent
from billing.money import parse_yuan
from billing.services.metering import rollup_add
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from tenants.audit import platform_audit_record


def usage_correct(*, actor: Actor, event: UsageEvent, reason: str, amount: str = "") -> UsageEvent:
    """Give back `amount` yuan of a charge (all of it when empty; then its units too)."""
    if event.kind not in (EntryKind.CHARGE, EntryKind.PACKAGE):
        raise ValidationFailed("只能冲正计费或套餐流水", field="event")
    if not 2 <= len(reason.strip()) <= 300:
        raise ValidationFailed("请填写冲正原因（300字以内）", field="reason")
    with transaction.atomic():
        contract = contract_for_update(event.contract_id)
        given_back = UsageEvent.objects.filter(corrects=event).aggregate(
            amount=Sum("amount_yuan"), units=Sum("units")
        )
        left = event.amount_yuan + (given_back["amount"] or Decimal(0))
        units_left = event.units + (given_back["units"] or 0)
        value = left if not amount.strip() else parse_yuan(amount, field="amount", allow_zero=False)
        if value > left or (value == 0 and units_left == 0):
            raise ValidationFailed(f"该流水可冲正的余额为{left}元", field="amount")
        units = units_left if value == left else 0
        if units:
            _package_give_back(contract, event, units)
        today = timezone.localdate()
        correction = UsageEvent.objects.create(
            contract=contract, customer_id=contract.customer_id, district_id=contract.district_id,
            product_id=event.product_id, kind=EntryKind.CORRECTION, units=-units,
            amount_yuan=-value, period=event.period, reference=event.reference, corrects=event,
            subject=event.subject,
            reason=reason.strip(), recorded_by=actor.label,
        )  # fmt: skip
        if event.kind == EntryKind.CHARGE:
            # On the charge's own day, so the month it belongs to is the month it reduces.
            day = timezone.localtime(event.occurred_at).date()
            rollup_add(contract, event.product_id, day, -units, -value)
        if contract.mode == BillingMode.PREPAID and value:
            Contract.objects.filter(pk=contract.pk).update(
                wallet_balance_yuan=F("wallet_balance_yuan") + value
            )
        invoice = Invoice.objects.filter(contract=contract, period=event.period).first()
        if invoice is not None:
            CreditNote.objects.create(
                invoice=invoice, correction=correction, amount_yuan=-value, reason=reason.strip(),
                number=f"CN{today:%Y%m%d}-{correction.pk:08d}",
            )  # fmt: skip
        platform_audit_record(actor=actor, action="billing.usage_correct",
                              district_schema=contract.district.schema_name,
                              details={"event": event.pk, "amount": str(value), "reason": reason.strip(),
                                       "invoice": invoice.number if invoice else None})  # fmt: skip
    return correction


def _package_give_back(contract: Contract, event: UsageEvent, units: int) -> None:
    """A corrected package call returns its units to the package; a refunded package purchase
    takes back its units, and only while they are still unused."""
    balances = packages_for_update(contract.pk).filter(product_id=event.product_id)
    if event.kind == EntryKind.CHARGE and event.from_package:
        balances.update(units_remaining=F("units_remaining") + units)
    elif event.kind == EntryKind.PACKAGE:
        balance = balances.first()
        left = balance.units_remaining if balance is not None else 0
        if left < units:
            raise ValidationFailed(
                f"该套餐已使用{units - left}次，剩余{left}次，不能全额冲正；请按金额部分冲正",
                field="amount",
            )
        balances.update(units_remaining=F("units_remaining") - units)
