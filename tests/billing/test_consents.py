"""consentLodge and a person's report (issue 18, finding 1): lodging is checked like a purchase and
answers the same whether or not the person has records here; a person's consent lodged over the
API is usable only once the district has checked it; the subject's own report lists every consent
lodged for it."""

from __future__ import annotations

import base64
import importlib
from typing import Any

import pytest
from django.apps import apps
from django_tenants.utils import schema_context

from billing.models import ApiKey, Contract
from core.accounts.enums import StaffRole
from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.common.errors import ValidationFailed
from core.reports.enums import ConsentStatus
from core.reports.models import Consent
from core.reports.selectors import report_content
from core.reports.services import Requester, consent_verify, report_issue
from core.subjects.models import Subject
from tests.billing.conftest import SITE, Sale, priced
from tests.billing.test_api import PDF, buy, call
from tests.conftest import make_staff
from tests.core.collection.conftest import upload
from tests.core.collection.files import as_csv, decided, penalty

KNOWN = "11010519491231002X"  # a person with a penalty in 万州
UNKNOWN = "110105194912310038"  # a valid number nobody in 万州 has
LODGE = """
mutation Lodge($data: ConsentLodgeInput!) {
  consentLodge(data: $data) { consentId status errors { code message field } }
}
"""
NEEDS_CONSENT = "查询自然人的信用信息须取得本人书面授权并说明用途"
NOT_VERIFIED = "该授权尚待本区县核验，核验通过后方可使用"


def person_on_record(sale: Sale) -> Subject:
    """A penalty on KNOWN, uploaded by the district's department (the sale runs in 万州)."""
    row = penalty(9, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=KNOWN, **decided())
    upload(Department.objects.get(), as_csv([row]))
    return Subject.objects.get(id_hash__isnull=False)


def lodge(sale: Sale, code: str, **changes: Any) -> dict[str, Any]:
    data = {"subjectCode": code, "purpose": "贷款审查", "scope": ["CREDIT_REPORT"],
            "validFrom": "2026-11-01", "validUntil": "2027-10-31",
            "documentBase64": base64.b64encode(PDF).decode()} | changes  # fmt: skip
    answer: dict[str, Any] = call(sale, LODGE, {"data": data}).json()["data"]["consentLodge"]
    return answer


@pytest.fixture
def sale(sale: Sale) -> Sale:
    priced(sale.district, "full_report", unit_price="30.00")
    return sale


def full_report(sale: Sale, code: str, key: str, consent_id: int | None = None) -> Any:
    extra = {"consentId": consent_id} if consent_id is not None else {}
    return buy(sale, key, product="FULL_REPORT", subjectCode=code, **extra).json()["data"][
        "reportPurchase"
    ]


def test_lodging_answers_the_same_whether_or_not_the_person_has_records(sale: Sale) -> None:
    person_on_record(sale)

    known, unknown = lodge(sale, KNOWN), lodge(sale, UNKNOWN)

    assert {k: v for k, v in known.items() if k != "consentId"} == {
        "status": "PENDING",
        "errors": [],
    }
    assert {k: v for k, v in unknown.items() if k != "consentId"} == {
        "status": "PENDING",
        "errors": [],
    }
    stored = {c.pk: c for c in Consent.objects.all()}
    assert stored[known["consentId"]].subject is not None
    assert (stored[unknown["consentId"]].subject, stored[unknown["consentId"]].subject_masked) == (
        None, "1101**********0038")  # fmt: skip
    entries = AuditEntry.objects.filter(action="consent.record").order_by("id")
    assert [(e.actor_label, e.details["subject"], e.details["status"]) for e in entries] == [
        (f"api:{sale.key.prefix}", "1101**********002X", "pending"),
        (f"api:{sale.key.prefix}", "1101**********0038", "pending"),
    ]


def test_a_purchase_about_a_person_refuses_alike_with_or_without_records(sale: Sale) -> None:
    person_on_record(sale)
    known_consent, unknown_consent = lodge(sale, KNOWN), lodge(sale, UNKNOWN)

    answers = [
        full_report(sale, KNOWN, "person-00000001"),
        full_report(sale, UNKNOWN, "person-00000002"),
        full_report(sale, KNOWN, "person-00000003", known_consent["consentId"]),
        full_report(sale, UNKNOWN, "person-00000004", unknown_consent["consentId"]),
    ]

    expected = [NEEDS_CONSENT, NEEDS_CONSENT, NOT_VERIFIED, NOT_VERIFIED]
    assert [(a["errors"], a["charge"]) for a in answers] == [
        ([{"code": "CONSENT_REQUIRED", "message": m, "field": None, "retryAfter": None}], None)
        for m in expected
    ]
    refusals = AuditEntry.objects.filter(action="query.refuse").values_list("details", flat=True)
    assert [d["subject"] for d in refusals] == ["1101**********0038"] * 2


def test_a_verified_consent_buys_the_report_and_a_rejected_one_says_why(sale: Sale) -> None:
    person = person_on_record(sale)
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    good, bad, nobody = lodge(sale, KNOWN), lodge(sale, KNOWN), lodge(sale, UNKNOWN)

    consent_verify(user=reviewer, consent=Consent.objects.get(pk=good["consentId"]), approve=True)
    consent_verify(user=reviewer, consent=Consent.objects.get(pk=bad["consentId"]), approve=False,
                   rejection="identity")  # fmt: skip
    with pytest.raises(ValidationFailed, match="本平台尚无该自然人的信用信息，授权书无从核对"):
        consent_verify(user=reviewer, consent=Consent.objects.get(pk=nobody["consentId"]),
                       approve=True)  # fmt: skip
    bought = full_report(sale, KNOWN, "person-00000001", good["consentId"])
    refused = full_report(sale, KNOWN, "person-00000002", bad["consentId"])

    assert (bought["errors"], bought["charge"]["amountYuan"]) == ([], "30.00")
    assert bought["report"]["content"]["cover"]["name"] == person.name
    assert refused["errors"][0]["message"] == "该授权未通过核验：授权人身份或签名无法核实"
    assert Consent.objects.get(pk=good["consentId"]).verified_by == "reviewer@wanzhou.test"


def test_lodging_is_checked_like_a_purchase(sale: Sale) -> None:
    elsewhere = ApiKey.objects.filter(pk=sale.key.pk)
    with schema_context("public"):
        elsewhere.update(districts=["kaizhou"])
    out_of_district = lodge(sale, UNKNOWN)
    with schema_context("public"):
        elsewhere.update(districts=["wanzhou"])
        Contract.objects.filter(pk=sale.contract.pk).update(products=["score_query"])
    out_of_contract = lodge(sale, UNKNOWN)
    with schema_context("public"):
        Contract.objects.filter(pk=sale.contract.pk).update(
            products=["basic_report", "full_report"]
        )
        elsewhere.update(rate_per_minute=1)
    first, limited = lodge(sale, UNKNOWN), lodge(sale, UNKNOWN)

    assert out_of_district["errors"] == [{"code": "OUT_OF_SCOPE", "message": "该密钥无权调用万州区的接口",
                                          "field": None}]  # fmt: skip
    assert out_of_contract["errors"] == [{"code": "OUT_OF_SCOPE", "field": None,
                                          "message": "该密钥或合同不包括授权范围中的“公共信用信息报告”"}]  # fmt: skip
    assert first["errors"] == []
    assert limited["errors"][0]["code"] == "RATE_LIMITED"
    assert Consent.objects.count() == 1


def test_the_persons_own_report_lists_every_consent_lodged_for_them(sale: Sale) -> None:
    lodge(sale, KNOWN)  # before the district holds anything on the person
    person_on_record(sale)
    window = make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK)

    report = report_issue(subject=Subject.objects.get(id_hash__isnull=False), requester=Requester("self", "张三", KNOWN),
                          purpose="自查", handled_by=window, site=SITE)  # fmt: skip

    (section,) = [s for s in report_content(report)["sections"] if s["key"] == "consents"]
    assert section["title"] == "授权记录"
    assert [(c["grantee"], c["purpose"], c["scope"], c["channel"], c["status"])
            for c in section["items"]] == [
        ("重庆某银行股份有限公司", "贷款审查", "公共信用信息报告", "机构接口提交", "待核验")]  # fmt: skip


def test_consents_lodged_over_the_api_before_this_change_wait_for_verification(sale: Sale) -> None:
    person = person_on_record(sale)
    company = Subject.objects.get(uscc=sale.company_code)
    common = {"purpose": "贷款审查", "products": ["credit_report"], "valid_from": "2026-11-01",
              "valid_until": "2027-10-31", "document": "consents/x.pdf", "grantee_name": "某银行",
              "grantee_code": "X"}  # fmt: skip
    lodged = Consent.objects.create(subject=person, recorded_by="api:ck_abc", **common)
    taken = Consent.objects.create(subject=person, recorded_by="window@wanzhou.test", **common)
    firm = Consent.objects.create(subject=company, recorded_by="api:ck_abc", **common)
    migration = importlib.import_module("core.reports.migrations.0006_consent_verification")

    migration.lodged_over_the_api_wait_for_verification(apps, None)

    states = {c.pk: (c.channel, c.status, c.subject is not None and c.subject_hash == (c.subject.id_hash or ""))
              for c in Consent.objects.select_related("subject")}  # fmt: skip
    assert states == {lodged.pk: ("api", ConsentStatus.PENDING, True),
                      taken.pk: ("window", ConsentStatus.VERIFIED, True),
                      firm.pk: ("api", ConsentStatus.VERIFIED, True)}  # fmt: skip
