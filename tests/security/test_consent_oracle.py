"""Finding 1 (high): `consentLodge` told which ID numbers have records (INVALID for a number with a
subject, NOT_FOUND without; 150 candidates in 2.8 s, no limit, no trace, even where the bank has
no contract), and a self-lodged "consent" then bought a full report on the person. Against the
production-like server, in a district of its own, with a bank's key over HTTP."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District
from tests.billing.cleanup import billing_remove
from tests.billing.conftest import priced, sell
from tests.billing.test_api import PDF, PURCHASE
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, decided, penalty
from tests.e2e.conftest import committed_districts
from tests.security.conftest import Browser, ProductionServer

LIANGPING = OnboardingRequest(slug="liangping", name="梁平区", platform_name="信用梁平",
                              region_code="500155", domain="liangping.localhost",
                              admin_email="admin@liangping.test")  # fmt: skip
KNOWN = "11010519491231002X"
UNKNOWN = "110105194912310038"
LODGE = """
mutation Lodge($data: ConsentLodgeInput!) {
  consentLodge(data: $data) { consentId status errors { code message } }
}
"""


@dataclass
class Bank:
    secret: str
    visitor: Browser

    def call(self, query: str, variables: dict[str, Any]) -> Any:
        answer = self.visitor.graphql(query, variables, Authorization=f"Bearer {self.secret}")
        return answer.json()["data"]

    def lodge(self, code: str) -> dict[str, Any]:
        data = {"subjectCode": code, "purpose": "贷款审查", "scope": ["CREDIT_REPORT"],
                "validFrom": "2026-01-01", "validUntil": "2030-12-31",
                "documentBase64": base64.b64encode(PDF).decode()}  # fmt: skip
        lodged: dict[str, Any] = self.call(LODGE, {"data": data})["consentLodge"]
        return lodged

    def buy(self, code: str, key: str, consent_id: int | None) -> dict[str, Any]:
        data = {"product": "FULL_REPORT", "subjectCode": code, "purpose": "贷款审查",
                "idempotencyKey": key, "consentId": consent_id}  # fmt: skip
        bought: dict[str, Any] = self.call(PURCHASE, {"data": data})["reportPurchase"]
        return bought


@pytest.fixture(scope="module")
def bank(production: ProductionServer, django_db_blocker: Any) -> Iterator[Bank]:
    """梁平区 with a person on record, and a bank with a contract and a key (12 calls a minute)."""
    with committed_districts(django_db_blocker, str(production.media), "Admin-Pass-2026",
                             LIANGPING):  # fmt: skip
        district = District.objects.get(schema_name="liangping")
        try:
            with schema_context("liangping"):
                department = Department.objects.create(
                    code=DEPARTMENT_CODE, name="梁平区市场监管局"
                )
                row = penalty(1, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=KNOWN, XDR_MC="张三",
                              WSH="梁平市监罚〔2026〕1号", **decided())  # fmt: skip
                content = as_csv([row])
                batch = batch_create(actor=Actor.system("security"), department=department,
                                     filename="处罚.csv", content=io.BytesIO(content),
                                     size=len(content))  # fmt: skip
                batch_ingest(batch_id=batch.pk)
            priced(district, "full_report", unit_price="30.00")
            _, _, _, secret = sell(district, rate_per_minute=12)
            yield Bank(secret, production.visitor(LIANGPING.domain))
        finally:
            billing_remove(district)


def test_lodging_a_consent_tells_nothing_about_whether_a_person_has_records(
    bank: Bank, flush_limits: None
) -> None:
    known, unknown = bank.lodge(KNOWN), bank.lodge(UNKNOWN)

    assert known["consentId"] != unknown["consentId"]
    assert {**known, "consentId": 0} == {**unknown, "consentId": 0} == {
        "consentId": 0, "status": "PENDING", "errors": []}  # fmt: skip
    with schema_context("liangping"):
        logged = AuditEntry.objects.filter(action="consent.record").values_list(
            "details", flat=True
        )
        assert {d["subject"] for d in logged} >= {"1101**********002X", "1101**********0038"}


def test_a_self_lodged_consent_buys_nothing_and_refusals_look_alike(
    bank: Bank, flush_limits: None
) -> None:
    known, unknown = bank.lodge(KNOWN), bank.lodge(UNKNOWN)

    answers = [
        bank.buy(KNOWN, "sec-person-0001", None),
        bank.buy(UNKNOWN, "sec-person-0002", None),
        bank.buy(KNOWN, "sec-person-0003", known["consentId"]),
        bank.buy(UNKNOWN, "sec-person-0004", unknown["consentId"]),
    ]

    assert [(a["report"], a["charge"], a["errors"][0]["code"]) for a in answers] == [
        (None, None, "CONSENT_REQUIRED")] * 4  # fmt: skip
    messages = [a["errors"][0]["message"] for a in answers]
    assert messages[0] == messages[1] == "查询自然人的信用信息须取得本人书面授权并说明用途"
    assert messages[2] == messages[3] == "该授权尚待本区县核验，核验通过后方可使用"


def test_enumerating_numbers_runs_into_the_rate_limit(bank: Bank, flush_limits: None) -> None:
    if time.time() % 60 > 40:  # the limit counts calls per clock minute: start early in one
        time.sleep(61 - time.time() % 60)
    answers = [bank.lodge(f"1101051949123100{n:02d}") for n in range(20)]

    codes = [a["errors"][0]["code"] if a["errors"] else "OK" for a in answers]
    # Invalid check digits are refused without a lookup; past 12 calls a minute, nothing is tried.
    assert codes[12:] == ["RATE_LIMITED"] * 8
    assert set(codes[:12]) <= {"OK", "INVALID"}


def test_another_districts_domain_refuses_the_key(
    bank: Bank, production: ProductionServer, flush_limits: None
) -> None:
    elsewhere = Bank(bank.secret, production.visitor("kaizhou.localhost"))

    answer = elsewhere.lodge(KNOWN)

    assert answer == {"consentId": None, "status": None,
                      "errors": [{"code": "OUT_OF_SCOPE", "message": "该密钥无权调用开州区的接口"}]}  # fmt: skip
