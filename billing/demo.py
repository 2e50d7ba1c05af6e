"""Demo prices for every demo district, and a demo bank with a contract in 万州 and a key
(`manage.py demo_setup`). Idempotent: what exists is left alone."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import BillingMode, PricingModel, ProductCode
from billing.models import Customer, Price
from billing.services.catalogue import ContractTerms, contract_create, customer_create, price_set
from billing.services.keys import KeyScope, institution_key_issue
from core.common.actors import Actor
from tenants.models import District

DEMO_BANK_USCC = "91500000202869329B"
START = date(2026, 1, 1)


def demo_prices_ensure(district: District) -> None:
    actor = Actor.system("demo")
    with schema_context("public"):
        if Price.objects.filter(district=district).exists():
            return
        price_set(actor=actor, district=district, product=ProductCode.BASIC_REPORT,
                  model=PricingModel.PER_UNIT, valid_from=START, unit_price="20.00")  # fmt: skip
        price_set(actor=actor, district=district, product=ProductCode.FULL_REPORT,
                  model=PricingModel.TIERED, valid_from=START,
                  tiers=[{"up_to": 100, "unit_price": "50.00"}, {"up_to": None, "unit_price": "40.00"}])  # fmt: skip
        price_set(actor=actor, district=district, product=ProductCode.SCORE_QUERY,
                  model=PricingModel.PER_UNIT, valid_from=START, unit_price="5.00")  # fmt: skip
        price_set(actor=actor, district=district, product=ProductCode.BATCH_QUERY,
                  model=PricingModel.PACKAGE, valid_from=START, package_units=1000,
                  package_price="1500.00")  # fmt: skip
        price_set(actor=actor, district=district, product=ProductCode.MONITORING,
                  model=PricingModel.PER_UNIT, valid_from=START, unit_price="30.00")  # fmt: skip


def demo_bank_ensure(district: District) -> str | None:
    """The demo bank's contract in `district`; returns its new key's secret the first time."""
    actor = Actor.system("demo")
    with schema_context("public"):
        if Customer.objects.filter(uscc=DEMO_BANK_USCC).exists():
            return None
        bank = customer_create(actor=actor, name="重庆某商业银行股份有限公司万州分行", uscc=DEMO_BANK_USCC,
                               contact_email="risk@bank.example", contact_name="风险管理部")  # fmt: skip
        contract_create(actor=actor, customer=bank, district=district, terms=ContractTerms(
            mode=BillingMode.POSTPAID, products=[p.value for p in ProductCode], valid_from=START,
            monthly_cap_units=1000))  # fmt: skip
        _, secret = institution_key_issue(actor=actor, customer=bank, scope=KeyScope(
            name="信贷审批系统", products=[p.value for p in ProductCode], districts=[district.schema_name],
            expires_at=timezone.now() + timedelta(days=365), allowed_ips=[]))  # fmt: skip
        return secret
