"""The billing side of the developers' sandbox (provisioning/services/sandbox.py creates it).

A `ck_test_` key is an ordinary `ApiKey` with `sandbox=True`, scoped to the sandbox district only.
Calls with it take exactly the live path (scope, consent, idempotency, the monthly cap, the
ledger), so an integration behaves the same when its key is swapped, against a contract every
customer gets in the sandbox on its first test key, priced at zero for every product. Those
ledger rows carry 0.00 yuan and the sandbox's contracts are left out of invoicing, the per-call
usage list and the operator's figures: a test call is never charged and never counted as sales.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.enums import BillingMode, ContractStatus, PricingModel, ProductCode
from billing.models import ApiKey, Contract, Customer, Price, Product
from billing.services.keys import SANDBOX_KEY_PREFIX, key_hash
from core.common.actors import Actor
from core.common.errors import PermissionDenied, ValidationFailed
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind
from tenants.models import District

SANDBOX_SCHEMA = "sandbox"
SANDBOX_MAX_KEYS = 5  # active test keys per customer
SANDBOX_KEY_DAYS = 365
SANDBOX_MONTHLY_UNITS = 10_000  # a cap like a live contract's, so callers can meet one
SANDBOX_RATE_PER_MINUTE = 60
PRICES_FROM = date(2020, 1, 1)


def sandbox_district() -> District | None:
    return District.objects.filter(kind=DistrictKind.SANDBOX).first()


def sandbox_prices_ensure(sandbox: District) -> None:
    """Every product at 0.00 yuan per unit (written here, not through `price_set`, which refuses a
    zero price for a real district)."""
    for product in Product.objects.all():
        Price.objects.get_or_create(
            district=sandbox, product=product, valid_from=PRICES_FROM,
            defaults={"model": PricingModel.PER_UNIT, "unit_price_yuan": Decimal("0.00"),
                      "created_by": "system:sandbox"},
        )  # fmt: skip


def sandbox_contract_ensure(customer: Customer, sandbox: District) -> Contract:
    """The customer's contract in the sandbox: every product, postpaid, a monthly cap."""
    contract = Contract.objects.filter(
        customer=customer, district=sandbox, status=ContractStatus.ACTIVE
    ).first()
    if contract is not None:
        return contract
    return Contract.objects.create(
        customer=customer, district=sandbox, number=f"沙箱-{customer.pk:06d}",
        mode=BillingMode.POSTPAID, products=list(ProductCode.values),
        monthly_cap_units=SANDBOX_MONTHLY_UNITS, valid_from=PRICES_FROM,
        created_by="system:sandbox",
    )  # fmt: skip


def sandbox_key_issue(
    *, actor: Actor, customer: Customer, name: str, products: list[str]
) -> tuple[ApiKey, str]:
    """A `ck_test_` key for the sandbox (shown once), within SANDBOX_MAX_KEYS active test keys.
    Any customer may have them: the sandbox holds no real data and charges nothing."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写密钥名称（不超过100字）", field="name")
    if not products or any(p not in ProductCode.values for p in products):
        raise ValidationFailed("请选择密钥可调用的产品", field="products")
    sandbox = sandbox_district()
    if sandbox is None:
        raise PermissionDenied("运营方尚未开通开发者沙箱，请联系运营方", code="NO_SANDBOX")
    secret = SANDBOX_KEY_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        active = ApiKey.objects.filter(
            customer=locked, sandbox=True, revoked_at__isnull=True, expires_at__gt=now
        ).count()
        if active >= SANDBOX_MAX_KEYS:
            raise ValidationFailed(
                f"有效的沙箱密钥至多{SANDBOX_MAX_KEYS}个，请先吊销不再使用的沙箱密钥", field="name"
            )
        sandbox_contract_ensure(locked, sandbox)
        key = ApiKey.objects.create(
            customer=locked, name=name, prefix=secret[:16], key_hash=key_hash(secret),
            products=sorted(set(products)), districts=[sandbox.schema_name],
            rate_per_minute=SANDBOX_RATE_PER_MINUTE,
            expires_at=now + timedelta(days=SANDBOX_KEY_DAYS), created_by=actor.label,
            self_service=True, sandbox=True,
        )  # fmt: skip
        platform_audit_record(actor=actor, action="billing.sandbox_key_issue",
                              details={"customer": customer.pk, "key": key.prefix,
                                       "products": key.products})  # fmt: skip
    return key, secret
