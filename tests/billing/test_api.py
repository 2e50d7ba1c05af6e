"""Institutions over the district's GraphQL endpoint: purchases with their key, idempotent retries,
clear errors with codes (Retry-After when rate limited), consents, the account; signed webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from django.test import Client
from django_tenants.utils import schema_context

from billing.models import ApiKey, Contract, Customer, ThresholdNotice
from billing.services.notices import SIGNATURE_HEADER, notice_send
from tests.billing.conftest import Sale, priced
from tests.conftest import WANZHOU

PURCHASE = """
mutation Buy($data: ReportPurchaseInput!) {
  reportPurchase(data: $data) {
    report { number verificationCode content pdfUrl }
    charge { product units amountYuan replayed remainingUnits }
    errors { code message field retryAfter }
  }
}
"""
LODGE = """
mutation Lodge($data: ConsentLodgeInput!) {
  consentLodge(data: $data) { consentId errors { code message field } }
}
"""
ACCOUNT = "{ billingAccount { customer contract mode monthlyCapUnits usedUnits usedYuan usage { product units } } }"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def call(
    sale: Sale, query: str, variables: dict[str, Any] | None = None, secret: str | None = None
) -> Any:
    client = Client(HTTP_HOST=WANZHOU.domain)
    return client.post("/graphql/", {"query": query, "variables": variables or {}}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {secret if secret is not None else sale.secret}")  # fmt: skip


def buy(sale: Sale, key: str, **extra: Any) -> Any:
    data = {
        "product": "BASIC_REPORT",
        "subjectCode": sale.company_code,
        "purpose": "贷款审查",
        "idempotencyKey": key,
    }
    return call(sale, PURCHASE, {"data": data | extra})


def test_a_bank_buys_a_report_and_a_retry_is_free(sale: Sale) -> None:
    # when
    first = buy(sale, "api-00000001").json()["data"]["reportPurchase"]
    retry = buy(sale, "api-00000001").json()["data"]["reportPurchase"]

    # then
    assert first["errors"] == []
    assert first["charge"] == {"product": "basic_report", "units": 1, "amountYuan": "10.00", "replayed": False,
                               "remainingUnits": 29}  # fmt: skip
    assert retry["charge"]["replayed"] is True
    assert retry["report"]["number"] == first["report"]["number"]
    assert first["report"]["content"]["sections"][0]["title"] == "基础信息"
    assert first["report"]["pdfUrl"].startswith("http://wanzhou.localhost/files/")
    account = call(sale, ACCOUNT).json()["data"]["billingAccount"]
    assert account == {"customer": "重庆某银行股份有限公司", "contract": sale.contract.number, "mode": "postpaid",
                       "monthlyCapUnits": 30, "usedUnits": 1, "usedYuan": "10.00",
                       "usage": [{"product": "basic_report", "units": 1}]}  # fmt: skip


def test_bad_credentials_get_clear_errors(sale: Sale) -> None:
    none = call(sale, PURCHASE, {"data": {"product": "BASIC_REPORT", "subjectCode": sale.company_code,
                                          "purpose": "贷款审查", "idempotencyKey": "api-00000001"}}, secret="")  # fmt: skip
    wrong = call(sale, ACCOUNT, secret="ck_wrong")
    with schema_context("public"):
        ApiKey.objects.filter(pk=sale.key.pk).update(revoked_at="2026-11-01T00:00:00+08:00")
    revoked = buy(sale, "api-00000002").json()["data"]["reportPurchase"]["errors"]

    assert none.json()["data"]["reportPurchase"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert wrong.json()["errors"][0]["message"] == "接口密钥无效"
    assert wrong.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert revoked == [
        {"code": "UNAUTHENTICATED", "message": "接口密钥已吊销", "field": None, "retryAfter": None}
    ]


def test_the_rate_limit_sends_retry_after(sale: Sale) -> None:
    ApiKey.objects.filter(pk=sale.key.pk).update(rate_per_minute=1)
    buy(sale, "api-00000001")

    response = buy(sale, "api-00000002")

    [error] = response.json()["data"]["reportPurchase"]["errors"]
    assert error["code"] == "RATE_LIMITED"
    assert response["Retry-After"] == str(error["retryAfter"])


def test_a_lodged_consent_allows_a_full_report(sale: Sale, tmp_path: Any) -> None:
    priced(sale.district, "full_report", unit_price="30.00")
    consent = {"subjectCode": sale.company_code, "purpose": "贷款审查", "scope": ["CREDIT_REPORT"],
               "validFrom": "2026-11-01", "validUntil": "2027-10-31",
               "documentBase64": base64.b64encode(PDF).decode()}  # fmt: skip

    lodged = call(sale, LODGE, {"data": consent}).json()["data"]["consentLodge"]
    bought = buy(sale, "api-00000001", product="FULL_REPORT", consentId=lodged["consentId"]).json()[
        "data"
    ]["reportPurchase"]
    refused = buy(sale, "api-00000002", product="FULL_REPORT", purpose="营销").json()["data"][
        "reportPurchase"
    ]

    assert lodged["errors"] == []
    assert (bought["errors"], bought["charge"]["amountYuan"]) == ([], "30.00")
    assert refused["errors"][0]["code"] == "CONSENT_REQUIRED"
    assert refused["charge"] is None


def test_the_quota_error_says_why(sale: Sale) -> None:
    Contract.objects.filter(pk=sale.contract.pk).update(monthly_cap_units=1)
    buy(sale, "api-00000001")

    errors = buy(sale, "api-00000002").json()["data"]["reportPurchase"]["errors"]

    assert errors == [{"code": "QUOTA_EXCEEDED", "field": None, "retryAfter": None,
                       "message": "已达本月调用上限：上限1次，已用1次，本次需1次；下月1日恢复，或请联系运营方调整合同"}]  # fmt: skip


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_threshold_webhooks_are_signed_with_the_customers_secret(sale: Sale) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with schema_context("public"):
            Customer.objects.filter(pk=sale.customer.pk).update(
                webhook_url=f"http://127.0.0.1:{server.server_port}/hook"
            )
            notice = ThresholdNotice.objects.create(contract=sale.contract, measure="cap_units", basis="2026-11",
                                                    threshold=90, used="27/30次")  # fmt: skip
            notice_send(notice.pk)
            notice_send(notice.pk)  # already delivered: not sent again
            notice.refresh_from_db()
    finally:
        server.shutdown()

    [(headers, body)] = _Receiver.received
    stamp, signature = (part.split("=", 1)[1] for part in headers[SIGNATURE_HEADER].split(","))
    expected = hmac.new(
        sale.customer.webhook_secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert signature == expected
    assert json.loads(body) | {"at": ""} == {"type": "usage.threshold", "contract": sale.contract.number,
                                             "district": "万州区", "measure": "cap_units", "threshold": 90,
                                             "used": "27/30次", "at": ""}  # fmt: skip
    assert (notice.webhook_status, notice.webhook_sent_at is not None) == ("HTTP 204", True)
