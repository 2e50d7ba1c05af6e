"""A district that sells, an institution that buys: 万州 prices the basic report at 10.00 yuan, 重庆
某银行 has a postpaid contract there with a cap, and an API key for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import BillingMode, PricingModel, ProductCode
from billing.models import ApiKey, Contract, Customer
from billing.services.catalogue import ContractTerms, contract_create, customer_create, price_set
from billing.services.keys import KeyScope, institution_key_issue
from core.catalog.models import Department
from core.common.actors import Actor
from core.reports.services import ReportSite
from tenants.models import District
from tests.core.collection.conftest import district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import as_csv, decided, penalty, uscc

TODAY = date(2026, 11, 27)
OPS = Actor.system("tests")
SITE = ReportSite("信用万州", "https://wanzhou.localhost/reports/verify/")
BANK_USCC = uscc(900, head="91500000")
ALL_PRODUCTS = [p.value for p in ProductCode]


@dataclass
class Sale:
    district: District
    customer: Customer
    contract: Contract
    key: ApiKey
    secret: str
    company_code: str


def sell(
    district: District,  # noqa: F811
    *,
    mode: str = BillingMode.POSTPAID,
    cap_units: int | None = 30,
    cap_yuan: Decimal | None = None,
    products: list[str] | None = None,
    rate_per_minute: int = 600,
) -> tuple[Customer, Contract, ApiKey, str]:
    with schema_context("public"):
        customer = customer_create(actor=OPS, name="重庆某银行股份有限公司", uscc=BANK_USCC,
                                   contact_email="risk@bank.test", webhook_url="")  # fmt: skip
        contract = contract_create(actor=OPS, customer=customer, district=district, terms=ContractTerms(
            mode=mode, products=products or ALL_PRODUCTS, valid_from=date(2026, 1, 1),
            monthly_cap_units=cap_units, monthly_cap_yuan=cap_yuan))  # fmt: skip
        key, secret = institution_key_issue(actor=OPS, customer=customer, scope=KeyScope(
            name="信贷系统", products=ALL_PRODUCTS, districts=[district.schema_name],
            expires_at=timezone.now() + timedelta(days=365), allowed_ips=[],
            rate_per_minute=rate_per_minute))  # fmt: skip
    return customer, contract, key, secret


def priced(district: District, product: str = ProductCode.BASIC_REPORT, **terms: Any) -> None:  # noqa: F811
    with schema_context("public"):
        price_set(actor=OPS, district=district, product=product,
                  model=terms.pop("model", PricingModel.PER_UNIT),
                  valid_from=terms.pop("valid_from", date(2026, 1, 1)),
                  **({"unit_price": "10.00"} | terms))  # fmt: skip


@pytest.fixture
def sale(
    district: Department,  # noqa: F811
    wanzhou: District,
    settings: Any,
    tmp_path: Path,
) -> Iterator[Sale]:
    # The `district` fixture has put the clock at 10:00 on TODAY (Beijing time).
    settings.MEDIA_ROOT = str(tmp_path)
    with schema_context("wanzhou"):
        upload(district, as_csv([penalty(1, **decided()), penalty(2, **decided())]))
    priced(wanzhou)
    customer, contract, key, secret = sell(wanzhou)
    with schema_context("wanzhou"):
        yield Sale(wanzhou, customer, contract, key, secret, uscc(1))
