"""The metered call: charged exactly once per idempotency key, never past a cap, nothing charged
when anything fails; prices per unit, in graduated tiers, from packages and from wallets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import schema_context

from billing.enums import BillingMode, PricingModel, ProductCode
from billing.models import ApiKey, Contract, PackageBalance, Price, UsageEvent, UsageRollup
from billing.pricing import units_cost
from billing.services.catalogue import package_purchase, wallet_top_up
from billing.services.keys import (
    institution_key_authenticate,
    institution_key_revoke,
    institution_key_rotate,
)
from billing.services.ledger import usage_correct
from billing.services.metering import Charge, Served, metered_call
from billing.services.purchases import report_purchase, score_purchase
from core.common.errors import ApplicationError
from core.reports.models import QueryLog, Report
from tests.billing.conftest import OPS, SITE, Sale, priced
from tests.core.collection.files import uscc
from tests.core.ops.conftest import sample, scrape


def buy(sale: Sale, key: str, *, code: str | None = None, product: str = "basic_report",
        consent: int | None = None) -> tuple[Report, Charge]:  # fmt: skip
    return report_purchase(key=sale.key, district=sale.district, product=product,
                           subject_code=code or sale.company_code, purpose="贷款审查",
                           consent_id=consent, idempotency_key=key, site=SITE)  # fmt: skip


def ledger(sale: Sale) -> list[tuple[str, int, Decimal]]:
    with schema_context("public"):
        return [(e.kind, e.units, e.amount_yuan)
                for e in UsageEvent.objects.filter(contract=sale.contract).order_by("id")]  # fmt: skip


def test_a_report_is_charged_once_and_a_retry_returns_it_free(sale: Sale) -> None:
    # when
    report, charge = buy(sale, "loan-2026-0001")
    again, repeat = buy(sale, "loan-2026-0001")

    # then
    assert (again.number, repeat.replayed, charge.replayed) == (report.number, True, False)
    assert (charge.amount_yuan, charge.remaining_units) == (Decimal("10.00"), 29)
    assert repeat.remaining_units == 29
    assert ledger(sale) == [("charge", 1, Decimal("10.00"))]
    assert Report.objects.count() == 1
    assert (
        QueryLog.objects.filter(result="issued", requester_name="重庆某银行股份有限公司").count()
        == 1
    )
    rollup = UsageRollup.objects.get()
    assert (rollup.units, rollup.amount_yuan, str(rollup.day)) == (
        1,
        Decimal("10.00"),
        "2026-11-27",
    )


def test_a_key_reused_for_another_call_is_refused(sale: Sale) -> None:
    buy(sale, "loan-2026-0001")

    with pytest.raises(ApplicationError) as refused:
        buy(sale, "loan-2026-0001", code=uscc(2))

    assert refused.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert len(ledger(sale)) == 1


def test_nothing_is_served_past_the_cap(sale: Sale) -> None:
    Contract.objects.filter(pk=sale.contract.pk).update(monthly_cap_units=2)
    buy(sale, "call-00000001")
    buy(sale, "call-00000002")

    with pytest.raises(ApplicationError) as refused:
        buy(sale, "call-00000003")

    assert refused.value.code == "QUOTA_EXCEEDED"
    assert refused.value.message.startswith("已达本月调用上限：上限2次，已用2次，本次需1次")
    assert (Report.objects.count(), len(ledger(sale))) == (2, 2)


def test_a_yuan_cap_counts_money(sale: Sale) -> None:
    Contract.objects.filter(pk=sale.contract.pk).update(
        monthly_cap_units=None, monthly_cap_yuan=Decimal("15.00")
    )
    buy(sale, "call-00000001")

    with pytest.raises(ApplicationError) as refused:
        buy(sale, "call-00000002")

    assert refused.value.message == "已达本月金额上限：上限15.00元，已用10.00元，本次需10.00元"


def test_a_refused_consent_charges_nothing_and_is_logged(sale: Sale) -> None:
    priced(sale.district, ProductCode.FULL_REPORT, unit_price="30.00")

    with pytest.raises(ApplicationError) as refused:
        buy(sale, "full-00000001", product="full_report")

    assert refused.value.code == "CONSENT_REQUIRED"
    assert ledger(sale) == []
    assert list(QueryLog.objects.values_list("result", "reason")) == [
        ("refused", "此产品须提供被查询主体的有效书面授权（consentId）")
    ]


def test_a_retry_that_lost_the_race_is_rolled_back_and_answered_from_the_ledger(
    sale: Sale,
) -> None:
    # given: the first call with the key is charged; its retry got past the caller's lookup
    # before that call committed, so it reaches the lock (here: metered_call called again)
    served: list[str] = []

    def serve() -> Served:
        served.append(f"R{len(served) + 1}")
        return Served(reference=served[-1], response={"report": served[-1]})

    def call() -> Charge:
        return metered_call(key=sale.key, contract=sale.contract, product="basic_report",
                            idempotency_key="race-0000001", params="p", units=1, serve=serve)  # fmt: skip

    first = call()

    # when
    retry = call()

    # then: the retry's own work was rolled back; it is the first call's answer, charged once
    assert (first.reference, first.replayed) == ("R1", False)
    assert (retry.reference, retry.replayed, retry.remaining_units) == ("R1", True, 29)
    assert served == ["R1", "R2"]
    assert ledger(sale) == [("charge", 1, Decimal("10.00"))]
    assert UsageRollup.objects.get().units == 1


def test_a_retry_of_the_call_that_used_the_last_unit_is_answered_not_refused(sale: Sale) -> None:
    Contract.objects.filter(pk=sale.contract.pk).update(monthly_cap_units=1)
    sale.contract.refresh_from_db()
    first = metered_call(key=sale.key, contract=sale.contract, product="basic_report",
                         idempotency_key="last-0000001", params="p", units=1,
                         serve=lambda: Served(reference="R1", response={}))  # fmt: skip

    retry = metered_call(key=sale.key, contract=sale.contract, product="basic_report",
                         idempotency_key="last-0000001", params="p", units=1,
                         serve=lambda: Served(reference="R2", response={}))  # fmt: skip

    assert (first.remaining_units, retry.reference, retry.replayed) == (0, "R1", True)
    assert ledger(sale) == [("charge", 1, Decimal("10.00"))]


def test_a_failure_while_serving_charges_nothing(sale: Sale) -> None:
    def serve() -> Served:
        raise ApplicationError("报告生成失败", code="INVALID")

    with pytest.raises(ApplicationError):
        metered_call(key=sale.key, contract=sale.contract, product="basic_report",
                     idempotency_key="fail-0000001", params="x", units=1, serve=serve)  # fmt: skip

    assert ledger(sale) == []
    assert UsageRollup.objects.count() == 0


def test_an_unpriced_product_is_not_for_sale(sale: Sale) -> None:
    with pytest.raises(ApplicationError) as refused:
        score_purchase(key=sale.key, district=sale.district, subject_codes=[sale.company_code],
                       purpose="授信审查", idempotency_key="score-0000001")  # fmt: skip

    assert (refused.value.code, refused.value.message) == (
        "NOT_FOR_SALE",
        "该产品在本区县尚未定价，暂不可购买",
    )


def test_a_batch_is_charged_per_organisation_found(sale: Sale) -> None:
    priced(sale.district, ProductCode.BATCH_QUERY, unit_price="2.50")

    scores, missing, charge = score_purchase(
        key=sale.key, district=sale.district, subject_codes=[uscc(1), uscc(2), uscc(77)],
        purpose="授信审查", idempotency_key="batch-0000001",
    )  # fmt: skip

    assert [s["code"] for s in scores] == [uscc(1), uscc(2)]
    assert missing == [uscc(77)]
    assert (charge.product, charge.units, charge.amount_yuan) == ("batch_query", 2, Decimal("5.00"))
    assert QueryLog.objects.filter(product="credit_score", result="issued").count() == 2


def test_graduated_tiers_charge_each_unit_at_its_tier() -> None:
    price = Price(model=PricingModel.TIERED, tiers=[
        {"up_to": 3, "unit_price": "10.00"}, {"up_to": 5, "unit_price": "8.00"},
        {"up_to": None, "unit_price": "5.00"}])  # fmt: skip

    assert units_cost(price, used=0, units=3) == Decimal("30.00")
    assert units_cost(price, used=2, units=4) == Decimal("10.00") + 2 * Decimal("8.00") + Decimal(
        "5.00"
    )
    assert units_cost(price, used=10, units=1) == Decimal("5.00")


def test_tiers_follow_the_months_usage(sale: Sale) -> None:
    with schema_context("public"):
        Price.objects.filter(district=sale.district).delete()
    priced(sale.district, model=PricingModel.TIERED, unit_price="",
           tiers=[{"up_to": 1, "unit_price": "10.00"}, {"up_to": "", "unit_price": "6.00"}])  # fmt: skip

    amounts = [buy(sale, f"tier-000000{n}")[1].amount_yuan for n in range(3)]

    assert amounts == [Decimal("10.00"), Decimal("6.00"), Decimal("6.00")]


def test_a_prepaid_wallet_pays_and_runs_out(
    sale: Sale,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: object,
) -> None:
    Contract.objects.filter(pk=sale.contract.pk).update(
        mode=BillingMode.PREPAID, monthly_cap_units=None
    )
    sale.contract.refresh_from_db()
    with schema_context("public"):
        wallet_top_up(actor=OPS, contract=sale.contract, amount="25", reference="转账 2026-11-27")

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        first = buy(sale, "wallet-000001")[1]
        second = buy(sale, "wallet-000002")[1]
    with pytest.raises(ApplicationError) as refused:
        buy(sale, "wallet-000003")

    assert (first.wallet_balance_yuan, second.wallet_balance_yuan) == (
        Decimal("15.00"),
        Decimal("5.00"),
    )
    assert (refused.value.code, refused.value.message) == (
        "WALLET_INSUFFICIENT",
        "预付余额不足：余额5.00元，本次需10.00元",
    )
    assert Contract.objects.get(pk=sale.contract.pk).wallet_balance_yuan == Decimal("5.00")
    # 20 of 25 yuan spent is 80 %: one notice, by e-mail.
    assert [m.subject for m in mailoutbox] == ["【用量提醒】万州区 预付余额已达80%"]


def test_packages_are_bought_then_used_up(sale: Sale) -> None:
    with schema_context("public"):
        Price.objects.filter(district=sale.district).delete()
    priced(
        sale.district,
        model=PricingModel.PACKAGE,
        unit_price="",
        package_units=2,
        package_price="16.00",
    )
    with schema_context("public"):
        package_purchase(actor=OPS, contract=sale.contract, product="basic_report")

    charges = [buy(sale, f"pack-0000000{n}")[1] for n in range(2)]
    with pytest.raises(ApplicationError) as refused:
        buy(sale, "pack-00000009")

    assert [(c.amount_yuan, c.package_units_remaining) for c in charges] == [
        (Decimal("0.00"), 1), (Decimal("0.00"), 0)]  # fmt: skip
    assert refused.value.code == "PACKAGE_EXHAUSTED"
    assert ledger(sale) == [("package", 2, Decimal("16.00")), ("charge", 1, Decimal("0.00")),
                            ("charge", 1, Decimal("0.00"))]  # fmt: skip
    assert PackageBalance.objects.get().units_remaining == 0


def test_a_corrected_package_call_returns_its_unit_and_a_used_package_is_not_refunded_whole(
    sale: Sale,
) -> None:
    with schema_context("public"):
        Price.objects.filter(district=sale.district).delete()
    priced(sale.district, model=PricingModel.PACKAGE, unit_price="", package_units=2,
           package_price="16.00")  # fmt: skip
    with schema_context("public"):
        bought = package_purchase(actor=OPS, contract=sale.contract, product="basic_report")
    buy(sale, "pack-00000001")
    call = UsageEvent.objects.get(kind="charge")

    with schema_context("public"):
        usage_correct(actor=OPS, event=call, reason="报告出具错误，退还次数")
        assert PackageBalance.objects.get().units_remaining == 2
    buy(sale, "pack-00000002")
    with schema_context("public"):
        with pytest.raises(ApplicationError) as refused:
            usage_correct(actor=OPS, event=bought, reason="机构退订套餐")
        usage_correct(actor=OPS, event=bought, reason="按未用次数退款", amount="8.00")

    assert refused.value.message == "该套餐已使用1次，剩余1次，不能全额冲正；请按金额部分冲正"
    assert PackageBalance.objects.get().units_remaining == 1
    assert ledger(sale) == [("package", 2, Decimal("16.00")), ("charge", 1, Decimal("0.00")),
                            ("correction", -1, Decimal("0.00")), ("charge", 1, Decimal("0.00")),
                            ("correction", 0, Decimal("-8.00"))]  # fmt: skip


def test_an_unused_package_refunded_in_full_takes_its_units_back(sale: Sale) -> None:
    with schema_context("public"):
        Price.objects.filter(district=sale.district).delete()
    priced(sale.district, model=PricingModel.PACKAGE, unit_price="", package_units=2,
           package_price="16.00")  # fmt: skip
    with schema_context("public"):
        bought = package_purchase(actor=OPS, contract=sale.contract, product="basic_report")
        usage_correct(actor=OPS, event=bought, reason="误购，全额退款")

    assert PackageBalance.objects.get().units_remaining == 0
    with pytest.raises(ApplicationError) as refused:
        buy(sale, "pack-00000001")
    assert refused.value.code == "PACKAGE_EXHAUSTED"


def test_a_price_cannot_be_back_dated_over_calls_already_charged(sale: Sale) -> None:
    buy(sale, "call-00000001")

    with pytest.raises(ApplicationError) as refused:
        priced(sale.district, unit_price="12.00", valid_from=date(2026, 11, 1))

    assert refused.value.message == (
        "2026-11-01 以来已有该产品的计费调用，不能追溯改价；请选择今天或以后的生效日期"
    )


def test_cap_notices_are_sent_once_at_80_90_and_100_percent(
    sale: Sale, mailoutbox: list[Any], django_capture_on_commit_callbacks: object
) -> None:
    Contract.objects.filter(pk=sale.contract.pk).update(monthly_cap_units=10)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        for n in range(10):
            buy(sale, f"notice-00000{n}")

    assert [m.subject for m in mailoutbox] == [
        "【用量提醒】万州区 月度次数上限已达80%", "【用量提醒】万州区 月度次数上限已达90%",
        "【用量提醒】万州区 月度次数上限已达100%"]  # fmt: skip
    assert "此后的调用将被拒绝" in mailoutbox[2].body


def test_keys_are_checked_for_revocation_expiry_scope_and_address(
    sale: Sale, kaizhou: object
) -> None:
    with schema_context("public"):
        assert (
            institution_key_authenticate(sale.secret, address="10.0.0.1", sandbox=False).pk
            == sale.key.pk
        )
        with pytest.raises(ApplicationError, match="接口密钥无效"):
            institution_key_authenticate("ck_not-a-key", address="10.0.0.1", sandbox=False)
        ApiKey.objects.filter(pk=sale.key.pk).update(allowed_ips=["192.168.1.0/24"])
        with pytest.raises(ApplicationError, match="来源地址 10.0.0.1 不在该密钥的白名单内"):
            institution_key_authenticate(sale.secret, address="10.0.0.1", sandbox=False)
        assert (
            institution_key_authenticate(sale.secret, address="192.168.1.7", sandbox=False).pk
            == sale.key.pk
        )
        new, new_secret = institution_key_rotate(actor=OPS, key=sale.key, overlap_hours=0)
        with pytest.raises(ApplicationError, match="过期"):
            institution_key_authenticate(sale.secret, address="192.168.1.7", sandbox=False)
        assert (
            institution_key_authenticate(new_secret, address="192.168.1.7", sandbox=False).pk
            == new.pk
        )
        assert new_secret not in str(ApiKey.objects.values_list("key_hash", "prefix"))
        institution_key_revoke(actor=OPS, key=new, reason="泄露")
        with pytest.raises(ApplicationError, match="接口密钥已吊销"):
            institution_key_authenticate(new_secret, address="192.168.1.7", sandbox=False)
    with pytest.raises(ApplicationError) as refused:
        report_purchase(key=sale.key, district=kaizhou, product="basic_report",  # type: ignore[arg-type]
                        subject_code=sale.company_code, purpose="贷款审查", consent_id=None,
                        idempotency_key="other-000001", site=SITE)  # fmt: skip
    assert (refused.value.code, refused.value.message) == (
        "OUT_OF_SCOPE",
        "该密钥无权调用开州区的接口",
    )


def test_a_contract_without_the_product_refuses_it(wanzhou: object, sale: Sale) -> None:
    Contract.objects.filter(pk=sale.contract.pk).update(products=["score_query"])

    with pytest.raises(ApplicationError) as refused:
        buy(sale, "scope-000001")

    assert (refused.value.code, refused.value.message) == ("OUT_OF_SCOPE", "合同不包括此产品")


def test_the_rate_limit_tells_when_to_retry(sale: Sale) -> None:
    ApiKey.objects.filter(pk=sale.key.pk).update(rate_per_minute=1)
    sale.key.refresh_from_db()
    buy(sale, "rate-0000001")

    with pytest.raises(ApplicationError) as refused:
        buy(sale, "rate-0000002")

    assert refused.value.code == "RATE_LIMITED"
    assert 1 <= refused.value.retry_after <= 60  # type: ignore[attr-defined]
    assert refused.value.extensions["retryAfter"] == refused.value.retry_after  # type: ignore[attr-defined]


def test_a_charge_is_counted_in_the_metrics_once_it_commits(
    sale: Sale, django_capture_on_commit_callbacks: Any
) -> None:
    labels = {"district": "wanzhou", "product": "basic_report"}
    before = scrape()  # (reads in the public schema)

    with schema_context("wanzhou"), django_capture_on_commit_callbacks(execute=True):
        buy(sale, "metric-000001")
        buy(sale, "metric-000001")  # a replay is not a new call

    after = scrape()
    assert sample(after, "credit_metered_calls_total", **labels) == (
        sample(before, "credit_metered_calls_total", **labels) + 1
    )
