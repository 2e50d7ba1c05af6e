"""Contract-level prices (issue 24): a contract's own price or discount overrides the district's
price list from its day on, never before it and never retroactively; the metered call resolves it
under the contract's lock, and a retried call is still charged once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from billing.models import ContractPrice, Product, UsageEvent
from billing.pricing import price_effective
from billing.services.catalogue import contract_price_set
from billing.services.purchases import report_purchase, subject_masked
from core.common.errors import ApplicationError
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject
from tenants.models import PlatformAuditEntry
from tests.billing.conftest import OPS, SITE, TODAY, Sale
from tests.billing.test_admin import operator_root
from tests.support.clock import Clock

TOMORROW = date(2026, 11, 28)


def buy(sale: Sale, key: str) -> Decimal:
    _, charge = report_purchase(key=sale.key, district=sale.district, product="basic_report",
                                subject_code=sale.company_code, purpose="贷款审查", consent_id=None,
                                idempotency_key=key, site=SITE)  # fmt: skip
    return charge.amount_yuan


def set_price(sale: Sale, valid_from: date, **terms: str) -> ContractPrice:
    with schema_context("public"):
        return contract_price_set(actor=OPS, contract=sale.contract, product="basic_report",
                                  valid_from=valid_from, **terms)  # fmt: skip


def test_the_contract_price_applies_from_its_day_and_the_district_price_before(
    sale: Sale, clock: Clock
) -> None:
    set_price(sale, TOMORROW, unit_price="8.00")

    today = buy(sale, "cp-00000001")
    clock.move_to(TOMORROW)
    tomorrow = buy(sale, "cp-00000002")

    assert (today, tomorrow) == (Decimal("10.00"), Decimal("8.00"))
    with schema_context("public"):
        assert price_effective(sale.contract, "basic_report", TODAY).contract_price is None  # type: ignore[union-attr]
        # Never retroactive: a version from before today, over calls already charged, is refused.
        with pytest.raises(ApplicationError, match="不能追溯改价"):
            set_price(sale, TODAY, unit_price="5.00")
        # A version with neither price nor discount hands the product back to the district.
        set_price(sale, date(2026, 11, 29))
    clock.move_to(date(2026, 11, 29))
    assert buy(sale, "cp-00000003") == Decimal("10.00")
    with schema_context("public"):
        assert ContractPrice.objects.filter(contract=sale.contract).count() == 2  # history kept


def test_a_discount_off_the_district_price_and_a_retry_charged_once(sale: Sale) -> None:
    set_price(sale, TODAY, discount_percent="15")

    first = buy(sale, "cp-disc-0001")
    retried = buy(sale, "cp-disc-0001")

    with schema_context("public"):
        events = list(UsageEvent.objects.filter(contract=sale.contract))
        audit = PlatformAuditEntry.objects.filter(action="billing.contract_price_set").get()
    assert (first, retried) == (Decimal("8.50"), Decimal("8.50"))
    assert [(e.idempotency_key, e.amount_yuan) for e in events] == [
        ("cp-disc-0001", Decimal("8.50"))
    ]
    assert audit.details["discount_percent"] == "15.00"


def test_a_contract_price_less_a_discount(sale: Sale) -> None:
    set_price(sale, TODAY, unit_price="20.00", discount_percent="12.5")

    assert buy(sale, "cp-both-001") == Decimal("17.50")


def test_persons_are_masked_and_organisations_shown(sale: Sale) -> None:
    person = Subject(kind=SubjectKind.NATURAL, name="欧阳小明", name_as_of=TODAY)
    company = Subject(kind=SubjectKind.LEGAL, name="重庆某公司", name_as_of=TODAY,
                      uscc="91500101MA5U000001")  # fmt: skip

    assert subject_masked(person, "11010519491231002X") == "欧***（1101**********002X）"
    assert subject_masked(company, "91500101MA5U000001") == "重庆某公司（91500101MA5U000001）"


def test_the_console_sets_contract_prices_and_refuses_bad_input_in_chinese(sale: Sale) -> None:
    with schema_context("public"):
        client: Client = operator_root()
    url = f"/admin/billing/contract/{sale.contract.pk}/price/"

    def post(**data: str) -> str:
        form = {"product": "basic_report", "valid_from": "2026-12-01", "unit_price": "",
                "discount_percent": ""} | data  # fmt: skip
        return client.post(url, form).content.decode()

    assert "设定合同价格" in client.get(url).content.decode()
    assert "合同单价不能为负数" in post(unit_price="-1")
    assert "折扣应在0到100（%）之间" in post(discount_percent="120")
    assert "折扣不能为负数" in post(discount_percent="-5")
    assert "合同单价应为数字" in post(unit_price="八元")
    assert "生效日期不能早于合同生效日期（2026-01-01）" in post(
        valid_from="2025-12-01", unit_price="8"
    )
    done = client.post(url, {"product": "basic_report", "valid_from": "2026-12-01",
                             "unit_price": "8.00", "discount_percent": "10"})  # fmt: skip
    assert done.status_code == 302
    assert "2026-12-01 已有该合同该产品的价格" in post(unit_price="9")
    page = client.get(f"/admin/billing/contract/{sale.contract.pk}/change/").content.decode()
    listing = client.get("/admin/billing/contractprice/").content.decode()
    assert "基础版信用报告自2026-12-01起：合同单价8.00元/份，优惠10%" in page
    assert "合同单价8.00元/份，优惠10%" in listing
    with schema_context("public"):
        row = ContractPrice.objects.get()
        assert (row.product, row.unit_price_yuan, row.discount_percent) == (
            Product.objects.get(code="basic_report"), Decimal("8.00"), Decimal("10.00"))  # fmt: skip
        assert PlatformAuditEntry.objects.filter(action="billing.contract_price_set").count() == 1
