"""信用监测订阅: institutions monitor organisations per subject and month, through the metered call;
the feed shows what changed on their records after the subscription started; renewals charge each
month once, and a contract that cannot pay ends its subscriptions with the reason."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import BillingMode, ProductCode
from billing.models import Contract, MonitoringSubscription, UsageEvent
from billing.money import next_month
from billing.services.monitoring import monitoring_renew_due
from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.common.actors import Actor
from core.records.models import Record
from core.records.services import record_withdraw
from tests.billing.conftest import Sale, priced
from tests.billing.test_api import call
from tests.conftest import make_staff
from tests.core.collection.conftest import upload
from tests.core.collection.files import as_csv, penalty, uscc
from tests.support.clock import BEIJING, Clock, on_calendar_days

SUBSCRIBE = """
mutation Watch($data: MonitoringSubscribeInput!) {
  monitoringSubscribe(data: $data) {
    subscribed alreadyMonitored notFound
    charge { product units amountYuan replayed }
    errors { code message field }
  }
}
"""
UNSUBSCRIBE = """
mutation Stop($codes: [String!]!) {
  monitoringUnsubscribe(data: {subjectCodes: $codes}) { ended errors { code message } }
}
"""
FEED = """
query Feed($after: String!) {
  monitoring(after: $after) {
    subjects { code name paidThrough }
    events { change subjectCode subjectName recordKind docNumber }
    cursor
  }
}
"""


def at(hour: int, day: int = 27, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.get_current_timezone())


def subscribe(sale: Sale, key: str, codes: list[str]) -> Any:
    data = {"subjectCodes": codes, "idempotencyKey": key}
    return call(sale, SUBSCRIBE, {"data": data}).json()["data"]["monitoringSubscribe"]


def feed(sale: Sale, after: str = "") -> Any:
    return call(sale, FEED, {"after": after}).json()["data"]["monitoring"]


@pytest.fixture
def watching(sale: Sale) -> Sale:
    priced(sale.district, ProductCode.MONITORING, unit_price="5.00")
    return sale


def test_subscribing_charges_each_new_subject_once(watching: Sale) -> None:
    # when
    first = subscribe(watching, "watch-0000001", [uscc(1), uscc(2), uscc(9)])
    retry = subscribe(watching, "watch-0000001", [uscc(1), uscc(2), uscc(9)])
    again = subscribe(watching, "watch-0000002", [uscc(1)])

    # then
    assert first == {"subscribed": [uscc(1), uscc(2)], "alreadyMonitored": [], "notFound": [uscc(9)],
                     "charge": {"product": "monitoring", "units": 2, "amountYuan": "10.00", "replayed": False},
                     "errors": []}  # fmt: skip
    assert retry["charge"]["replayed"] is True
    assert retry["subscribed"] == [uscc(1), uscc(2)]
    assert again["charge"] is None
    assert again["errors"] == [{"code": "CONFLICT", "field": "subjectCodes",
                                "message": "所列代码均已在监测中或在本平台没有法人或非法人组织的信用信息，未计费"}]  # fmt: skip
    with schema_context("public"):
        assert list(UsageEvent.objects.values_list("product__code", "units", "amount_yuan")) == [
            ("monitoring", 2, Decimal("10.00"))]  # fmt: skip
        assert MonitoringSubscription.objects.filter(ended_at__isnull=True).count() == 2


def test_the_feed_shows_changes_after_the_subscription_only(
    watching: Sale, district: Department, clock: Clock
) -> None:
    # given: both companies monitored at 10:00 (their penalties of the 20th are older)
    subscribe(watching, "watch-0000001", [uscc(1), uscc(2)])
    assert feed(watching)["events"] == []

    # when: a new penalty for company 1 at 11:00, company 2's penalty withdrawn at 12:00
    clock.move_to(at(11))
    upload(district, as_csv([penalty(1, WSH="万州市监罚〔2026〕101号")]))
    clock.move_to(at(12))
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    record_withdraw(record=Record.objects.get(doc_number="万州市监罚〔2026〕2号"), user=reviewer,
                    reason="复议撤销", revoked_on=date(2026, 11, 26))  # fmt: skip
    first = feed(watching)

    # then
    assert first["events"] == [
        {"change": "NEW", "subjectCode": uscc(1), "subjectName": "重庆市万州区第1建设有限公司",
         "recordKind": "行政处罚", "docNumber": "万州市监罚〔2026〕101号"},
        {"change": "WITHDRAWN", "subjectCode": uscc(2), "subjectName": "重庆市万州区第2建设有限公司",
         "recordKind": "行政处罚", "docNumber": "万州市监罚〔2026〕2号"},
    ]  # fmt: skip
    assert [s["code"] for s in first["subjects"]] == [uscc(1), uscc(2)]
    assert feed(watching, first["cursor"]) == {**first, "events": []}


def test_unsubscribed_subjects_leave_the_feed_and_a_bad_cursor_is_refused(
    watching: Sale, district: Department, clock: Clock
) -> None:
    subscribe(watching, "watch-0000001", [uscc(1)])
    clock.move_to(at(11))

    stopped = call(watching, UNSUBSCRIBE, {"codes": [uscc(1), uscc(2)]}).json()["data"]
    clock.move_to(at(12))
    upload(district, as_csv([penalty(1, WSH="万州市监罚〔2026〕101号")]))
    bad = call(watching, FEED, {"after": "yesterday"}).json()

    assert stopped["monitoringUnsubscribe"] == {"ended": [uscc(1)], "errors": []}
    assert feed(watching)["events"] == []
    assert feed(watching)["subjects"] == []
    assert bad["errors"][0]["message"] == "游标无效：请使用上一次返回的 cursor"


@on_calendar_days
def test_renewal_charges_each_month_once_and_ends_what_cannot_be_paid(
    today: date, watching: Sale, clock: Clock
) -> None:
    subscribe(watching, "watch-0000001", [uscc(1), uscc(2)])  # today, paid through this month
    first, second = next_month(today), next_month(next_month(today))
    with schema_context("public"):
        # when: next month's renewal runs twice, at midnight in Beijing (16:00 UTC the day before)
        clock.move_to(datetime.combine(first, time(0, 0), tzinfo=BEIJING))
        outcome = monitoring_renew_due(actor=Actor.system("tests"), today=timezone.localdate())
        rerun = monitoring_renew_due(actor=Actor.system("tests"), today=timezone.localdate())

        # then: charged once, both paid through that month
        renewals = UsageEvent.objects.filter(idempotency_key=f"monitoring-{first:%Y-%m}")
        assert (outcome, rerun) == ({"renewed": 2, "ended": 0}, {"renewed": 0, "ended": 0})
        assert list(renewals.values_list("units", "amount_yuan", "period", "recorded_by")) == [
            (2, Decimal("10.00"), first, "system:renewal")]  # fmt: skip
        assert set(MonitoringSubscription.objects.values_list("charged_through", flat=True)) == {
            first
        }

        # when: the month after, the contract is prepaid with an empty wallet
        Contract.objects.filter(pk=watching.contract.pk).update(mode=BillingMode.PREPAID)
        clock.move_to(datetime.combine(second, time(0, 0), tzinfo=BEIJING))
        ended = monitoring_renew_due(actor=Actor.system("tests"), today=timezone.localdate())

        # then: nothing charged, both ended with the reason
        assert ended == {"renewed": 0, "ended": 2}
        assert set(MonitoringSubscription.objects.values_list("end_reason", flat=True)) == {
            f"{second:%Y年%m月}续订未成功：预付余额不足：余额0.00元，本次需10.00元"}  # fmt: skip
        assert UsageEvent.objects.count() == 2
