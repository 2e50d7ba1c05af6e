"""The operator's sales side: prices per district, customers, contracts, wallet top-ups and
prepaid packages. Every write is audited in the platform log, in the same transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from billing.enums import BillingMode, ContractStatus, EntryKind, PricingModel, ProductCode
from billing.lock_objects import contract_for_update
from billing.models import (
    Contract,
    ContractPrice,
    Customer,
    PackageBalance,
    Price,
    Product,
    UsageEvent,
    WalletTopUp,
)
from billing.money import month_start, parse_yuan
from billing.pricing import tiers_clean
from billing.selectors import price_current
from core.common.actors import Actor
from core.common.errors import Conflict, ValidationFailed
from core.common.identifiers import normalise, uscc_problem
from tenants.audit import platform_audit_record
from tenants.models import District


def price_set(
    *,
    actor: Actor,
    district: District,
    product: str,
    model: str,
    valid_from: date,
    unit_price: str = "",
    tiers: list[dict[str, Any]] | None = None,
    package_units: int | None = None,
    package_price: str = "",
) -> Price:
    """A new price version for a product in a district, effective from `valid_from`."""
    if not district.is_district:
        raise ValidationFailed("只能为区县定价", field="district")
    item = Product.objects.filter(code=product).first()
    if item is None:
        raise ValidationFailed(f"没有产品“{product}”", field="product")
    if (
        valid_from < timezone.localdate()
        and UsageEvent.objects.filter(
            district=district, product=item, occurred_at__date__gte=valid_from
        ).exists()
    ):
        raise ValidationFailed(
            f"{valid_from} 以来已有该产品的计费调用，不能追溯改价；请选择今天或以后的生效日期",
            field="valid_from",
        )
    price = Price(district=district, product=item, model=model, valid_from=valid_from,
                  created_by=actor.label)  # fmt: skip
    if model == PricingModel.PER_UNIT:
        price.unit_price_yuan = parse_yuan(unit_price, field="unit_price", allow_zero=False)
    elif model == PricingModel.TIERED:
        price.tiers = tiers_clean(tiers or [])
    elif model == PricingModel.PACKAGE:
        if not package_units or package_units < 1:
            raise ValidationFailed("套餐次数应为正整数", field="package_units")
        price.package_units = package_units
        price.package_price_yuan = parse_yuan(
            package_price, field="package_price", allow_zero=False
        )
    else:
        raise ValidationFailed("请选择计价方式", field="model")
    try:
        with transaction.atomic():
            price.save()
            platform_audit_record(actor=actor, action="billing.price_set", district_schema=district.schema_name,
                                  details={"product": product, "model": model, "valid_from": str(valid_from)})  # fmt: skip
    except IntegrityError:
        raise Conflict(
            f"{valid_from} 已有该产品的价格；请选择其他生效日期", field="valid_from"
        ) from None
    return price


def contract_price_set(
    *,
    actor: Actor,
    contract: Contract,
    product: str,
    valid_from: date,
    unit_price: str = "",
    discount_percent: str = "",
) -> ContractPrice:
    """A new version of a contract's own price for a product, from `valid_from` on: a unit price,
    a percentage discount off the district's price, both, or neither (back to the district's
    price). Never retroactive: it may not start before the contract, nor before today once the
    contract has been charged for the product since that day. Taken under the contract's lock, so
    a call is priced wholly before or wholly after it."""
    item = Product.objects.filter(code=product).first()
    if item is None:
        raise ValidationFailed(f"没有产品“{product}”", field="product")
    if product not in contract.products:
        raise ValidationFailed("合同不包括该产品", field="product")
    if valid_from < contract.valid_from:
        raise ValidationFailed(
            f"生效日期不能早于合同生效日期（{contract.valid_from}）", field="valid_from"
        )
    if contract.valid_until is not None and valid_from > contract.valid_until:
        raise ValidationFailed(
            f"生效日期不能晚于合同截止日期（{contract.valid_until}）", field="valid_from"
        )
    price = _decimal_or_none(unit_price, field="unit_price", label="合同单价")
    discount = _decimal_or_none(discount_percent, field="discount_percent", label="折扣")
    if discount is not None and discount > 100:
        raise ValidationFailed("折扣应在0到100（%）之间", field="discount_percent")
    row = ContractPrice(contract=contract, product=item, unit_price_yuan=price,
                        discount_percent=discount, valid_from=valid_from, created_by=actor.label)  # fmt: skip
    try:
        with transaction.atomic():
            locked = contract_for_update(contract.pk)
            if (
                valid_from < timezone.localdate()
                and UsageEvent.objects.filter(
                    contract=locked, product=item, occurred_at__date__gte=valid_from
                ).exists()
            ):
                raise ValidationFailed(
                    f"{valid_from} 以来该合同已有该产品的计费调用，不能追溯改价；"
                    "请选择今天或以后的生效日期",
                    field="valid_from",
                )
            row.save()
            platform_audit_record(actor=actor, action="billing.contract_price_set",
                                  district_schema=locked.district.schema_name,
                                  details={"contract": locked.number, "product": product,
                                           "unit_price": "" if price is None else str(price),
                                           "discount_percent": "" if discount is None else str(discount),
                                           "valid_from": str(valid_from)})  # fmt: skip
    except IntegrityError:
        raise Conflict(
            f"{valid_from} 已有该合同该产品的价格；请选择其他生效日期", field="valid_from"
        ) from None
    return row


def _decimal_or_none(text: str, *, field: str, label: str) -> Decimal | None:
    """An optional non-negative amount with at most two decimals; empty is None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ValidationFailed(f"{label}应为数字，如 8.50", field=field) from None
    if not value.is_finite() or value < 0:
        raise ValidationFailed(f"{label}不能为负数", field=field)
    if value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(f"{label}最多保留两位小数", field=field)
    if value >= Decimal(10) ** 12:
        raise ValidationFailed(f"{label}过大", field=field)
    return value.quantize(Decimal("0.01"))


def customer_create(
    *, actor: Actor, name: str, uscc: str, contact_email: str, contact_name: str = "",
    webhook_url: str = "",
) -> Customer:  # fmt: skip
    code = normalise(uscc)
    problem = uscc_problem(code)
    if problem is not None:
        raise ValidationFailed(problem.message, field="uscc")
    if not 1 <= len(name.strip()) <= 200:
        raise ValidationFailed("请填写机构名称", field="name")
    if "@" not in contact_email:
        raise ValidationFailed("请填写有效的联系邮箱", field="contact_email")
    if webhook_url and not webhook_url.startswith(("https://", "http://")):
        raise ValidationFailed("回调地址应以 https:// 开头", field="webhook_url")
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                name=name.strip(), uscc=code, contact_email=contact_email.strip(),
                contact_name=contact_name.strip(), webhook_url=webhook_url.strip(),
                webhook_secret=secrets.token_hex(32),
            )  # fmt: skip
            platform_audit_record(actor=actor, action="billing.customer_create",
                                  details={"customer": customer.pk, "name": customer.name})  # fmt: skip
    except IntegrityError:
        raise Conflict("该统一社会信用代码的机构已存在", field="uscc") from None
    return customer


@dataclass(frozen=True)
class ContractTerms:
    mode: str
    products: list[str]
    valid_from: date
    valid_until: date | None = None
    monthly_cap_units: int | None = None
    monthly_cap_yuan: Decimal | None = None


def contract_create(
    *, actor: Actor, customer: Customer, district: District, terms: ContractTerms
) -> Contract:
    if not district.is_district:
        raise ValidationFailed("合同只能签在区县上", field="district")
    if terms.mode not in BillingMode.values:
        raise ValidationFailed("请选择付费方式", field="mode")
    if not terms.products or any(p not in ProductCode.values for p in terms.products):
        raise ValidationFailed("请选择合同可购买的产品", field="products")
    if terms.valid_until is not None and terms.valid_until < terms.valid_from:
        raise ValidationFailed("截止日期不能早于生效日期", field="valid_until")
    if terms.mode == BillingMode.POSTPAID and not (
        terms.monthly_cap_units or terms.monthly_cap_yuan
    ):
        raise ValidationFailed("后付费合同须设月度硬上限（次数或金额）", field="monthly_cap_units")
    number = f"HT{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                customer=customer, district=district, number=number, mode=terms.mode,
                products=sorted(set(terms.products)), valid_from=terms.valid_from,
                valid_until=terms.valid_until, monthly_cap_units=terms.monthly_cap_units,
                monthly_cap_yuan=terms.monthly_cap_yuan, created_by=actor.label,
            )  # fmt: skip
            platform_audit_record(actor=actor, action="billing.contract_create",
                                  district_schema=district.schema_name,
                                  details={"contract": number, "customer": customer.name,
                                           "mode": terms.mode, "products": contract.products})  # fmt: skip
    except IntegrityError:
        raise Conflict(f"{customer.name}在{district.name}已有有效合同", field="district") from None
    return contract


def contract_set_status(*, actor: Actor, contract: Contract, status: str, reason: str) -> Contract:
    if status not in ContractStatus.values:
        raise ValidationFailed("未知的合同状态", field="status")
    if not reason.strip():
        raise ValidationFailed("请说明原因", field="reason")
    try:
        with transaction.atomic():
            locked = contract_for_update(contract.pk)
            locked.status = status
            locked.save(update_fields=["status"])
            platform_audit_record(actor=actor, action="billing.contract_status",
                                  district_schema=locked.district.schema_name,
                                  details={"contract": locked.number, "status": status, "reason": reason})  # fmt: skip
    except IntegrityError:
        raise Conflict(
            f"{contract.customer.name}在{contract.district.name}已有有效合同", field="status"
        ) from None
    return locked


def wallet_top_up(*, actor: Actor, contract: Contract, amount: str, reference: str) -> WalletTopUp:
    """Money received for a prepaid contract (the payment's reference is required)."""
    value = parse_yuan(amount, field="amount", allow_zero=False)
    if not reference.strip():
        raise ValidationFailed("请填写付款凭证号", field="reference")
    with transaction.atomic():
        locked = contract_for_update(contract.pk)
        if locked.mode != BillingMode.PREPAID:
            raise ValidationFailed("后付费合同没有预付钱包", field="amount")
        Contract.objects.filter(pk=locked.pk).update(
            wallet_balance_yuan=F("wallet_balance_yuan") + value
        )
        top_up = WalletTopUp.objects.create(
            contract=locked, amount_yuan=value, balance_after_yuan=locked.wallet_balance_yuan + value,
            reference=reference.strip(), recorded_by=actor.label,
        )  # fmt: skip
        platform_audit_record(actor=actor, action="billing.wallet_top_up",
                              district_schema=locked.district.schema_name,
                              details={"contract": locked.number, "amount": str(value)})  # fmt: skip
    return top_up


def package_purchase(
    *, actor: Actor, contract: Contract, product: str, count: int = 1
) -> UsageEvent:
    """Sell `count` prepaid packages of a product: a ledger entry for their price (invoiced with the
    month) and the units added to the contract's balance."""
    if not 1 <= count <= 100:
        raise ValidationFailed("套餐份数应在1到100之间", field="count")
    today = timezone.localdate()
    with transaction.atomic():
        locked = contract_for_update(contract.pk)
        price = price_current(locked.district_id, product, today)
        if price is None or price.model != PricingModel.PACKAGE:
            raise ValidationFailed("该产品在本区县当前不以套餐销售", field="product")
        if product not in locked.products:
            raise ValidationFailed("合同不包括该产品", field="product")
        units = int(price.package_units or 0) * count
        amount = Decimal(price.package_price_yuan or 0) * count
        if locked.mode == BillingMode.PREPAID:
            if locked.wallet_balance_yuan < amount:
                raise ValidationFailed(
                    f"预付余额{locked.wallet_balance_yuan}元，不足以购买（{amount}元）",
                    field="count",
                )
            Contract.objects.filter(pk=locked.pk).update(
                wallet_balance_yuan=F("wallet_balance_yuan") - amount
            )
        balance, _ = PackageBalance.objects.get_or_create(contract=locked, product=price.product)
        PackageBalance.objects.filter(pk=balance.pk).update(
            units_remaining=F("units_remaining") + units
        )
        event = UsageEvent.objects.create(
            contract=locked, customer_id=locked.customer_id, district_id=locked.district_id,
            product=price.product, kind=EntryKind.PACKAGE, units=units, amount_yuan=amount,
            period=month_start(today), reference=f"{count}×{price.package_units}",
            recorded_by=actor.label,
        )  # fmt: skip
        platform_audit_record(actor=actor, action="billing.package_purchase",
                              district_schema=locked.district.schema_name,
                              details={"contract": locked.number, "product": product,
                                       "units": units, "amount": str(amount)})  # fmt: skip
    return event
