"""The developers' sandbox: a generated district answering `ck_test_` keys through the live path,
at zero price, never invoiced; test keys never reach a real district and live keys never reach the
sandbox (refused where the key is recognised and again where it is used)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from billing.models import ApiKey, Invoice, UsageEvent
from billing.selectors import usage_calls
from billing.services.invoicing import period_close
from billing.services.keys import (
    KeyScope,
    institution_key_authenticate,
    institution_key_issue,
    institution_key_rotate,
)
from billing.services.metering import call_authorise_any
from billing.services.sandbox import SANDBOX_MAX_KEYS, sandbox_key_issue
from core.common.errors import PermissionDenied, ValidationFailed
from core.subjects.models import Subject
from provisioning.services.sandbox import sandbox_ensure
from tenants.enums import DistrictKind
from tenants.models import District
from tests.billing.conftest import OPS, TODAY, Sale
from tests.billing.test_api import PURCHASE, buy
from tests.billing.test_institution_pages import member, signed_in
from tests.conftest import WANZHOU

SANDBOX_HOST = "sandbox.credit.test"
SUBJECT = "{ subject(code: $code) { name } }"


@pytest.fixture
def sandbox(sale: Sale, django_capture_on_commit_callbacks: Any) -> District:
    with schema_context("public"), django_capture_on_commit_callbacks(execute=True):
        return sandbox_ensure(domain=SANDBOX_HOST, actor=OPS)


def sample_code(sandbox: District) -> str:
    with schema_context(sandbox.schema_name):
        code = (
            Subject.objects.filter(uscc__isnull=False)
            .order_by("id")
            .values_list("uscc", flat=True)
            .first()
        )
    assert code is not None
    return code


def post(host: str, secret: str, query: str, variables: dict[str, Any]) -> Any:
    client = Client(HTTP_HOST=host)
    return client.post("/graphql/", {"query": query, "variables": variables}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {secret}").json()  # fmt: skip


def purchase(host: str, secret: str, code: str, key: str) -> dict[str, Any]:
    data = {
        "product": "BASIC_REPORT",
        "subjectCode": code,
        "purpose": "贷款审查",
        "idempotencyKey": key,
    }
    result: dict[str, Any] = post(host, secret, PURCHASE, {"data": data})["data"]["reportPurchase"]
    return result


def test_the_sandbox_is_a_generated_district_of_its_own_kind(sandbox: District) -> None:
    # then
    assert sandbox.kind == DistrictKind.SANDBOX
    assert sandbox.domains.get(is_primary=True).domain == SANDBOX_HOST
    with schema_context(sandbox.schema_name):
        codes = list(Subject.objects.filter(uscc__isnull=False).values_list("uscc", flat=True))
    assert len(codes) == 120
    assert all(str(code).startswith("91500199") for code in codes)  # a division no district has
    assert sandbox_ensure(domain=SANDBOX_HOST, actor=OPS).pk == sandbox.pk  # idempotent
    with pytest.raises(ValidationFailed, match="区县范围有误：sandbox"):  # not a district to sell
        institution_key_issue(actor=OPS, customer=ApiKey.objects.first().customer, scope=KeyScope(  # type: ignore[union-attr]
            name="x", products=["basic_report"], districts=["sandbox"],
            expires_at=ApiKey.objects.first().expires_at, allowed_ips=[]))  # type: ignore[union-attr]  # fmt: skip


def test_a_test_key_buys_in_the_sandbox_through_the_live_path_at_zero(
    sale: Sale, sandbox: District
) -> None:
    # given
    key, secret = sandbox_key_issue(
        actor=OPS, customer=sale.customer, name="联调", products=["basic_report"]
    )
    code = sample_code(sandbox)

    # when
    first = purchase(SANDBOX_HOST, secret, code, "sandbox-0001")
    retry = purchase(SANDBOX_HOST, secret, code, "sandbox-0001")

    # then
    assert secret.startswith("ck_test_")
    assert key.prefix == secret[:16]
    assert key.sandbox
    assert first["errors"] == []
    assert first["charge"] == {"product": "basic_report", "units": 1, "amountYuan": "0.00", "replayed": False,
                               "remainingUnits": 9999}  # fmt: skip
    assert first["report"]["content"]["sections"][0]["title"] == "基础信息"
    assert first["report"]["pdfUrl"].startswith(f"http://{SANDBOX_HOST}/files/")
    assert retry["charge"]["replayed"] is True
    with schema_context("public"):
        [event] = UsageEvent.objects.filter(api_key=key)
        assert event.amount_yuan == Decimal("0.00")
        assert event.district_id == sandbox.pk
        assert event.contract.number.startswith("沙箱-")
        # Never invoiced, never in the per-call list a bank reconciles against.
        invoices = period_close(period=date(2026, 11, 1), actor=OPS, today=date(2026, 12, 10))
        assert Invoice.objects.filter(contract__district=sandbox).count() == 0
        assert all(i.contract.district_id != sandbox.pk for i in invoices)
        assert (
            not usage_calls(customer_id=sale.customer.pk, month=TODAY).filter(api_key=key).exists()
        )


def test_test_keys_never_reach_a_district_and_live_keys_never_the_sandbox(
    sale: Sale, sandbox: District
) -> None:
    # given
    key, secret = sandbox_key_issue(
        actor=OPS, customer=sale.customer, name="联调", products=["basic_report"]
    )

    # when
    test_on_live = purchase(WANZHOU.domain, secret, sale.company_code, "sandbox-0002")
    live_on_sandbox = purchase(SANDBOX_HOST, sale.secret, sample_code(sandbox), "sandbox-0003")

    # then
    assert test_on_live["report"] is None
    assert live_on_sandbox["report"] is None
    assert test_on_live["errors"][0]["code"] == "SANDBOX_KEY"
    assert "沙箱密钥" in test_on_live["errors"][0]["message"]
    assert live_on_sandbox["errors"][0]["code"] == "LIVE_KEY_IN_SANDBOX"
    assert (
        live_on_sandbox["errors"][0]["message"]
        == "正式密钥不能调用开发者沙箱：请使用以 ck_test_ 开头的沙箱密钥"
    )
    with schema_context("public"):
        assert not UsageEvent.objects.exists()
        # Where the key is used, whatever admitted it: even a test key whose scope named a district.
        ApiKey.objects.filter(pk=key.pk).update(districts=["wanzhou", "sandbox"])
        key.refresh_from_db()
        with pytest.raises(PermissionDenied) as refused:
            call_authorise_any(key=key, district=sale.district, today=TODAY)
        assert refused.value.code == "SANDBOX_KEY"
        with pytest.raises(PermissionDenied):
            institution_key_authenticate(secret, address="10.0.0.1", sandbox=False)
    # A live key that is just named like a test key is refused before any lookup.
    forged = post(WANZHOU.domain, "ck_test_" + sale.secret[3:], PURCHASE, {"data": {
        "product": "BASIC_REPORT", "subjectCode": sale.company_code, "purpose": "贷款审查",
        "idempotencyKey": "sandbox-0004"}})["data"]["reportPurchase"]  # fmt: skip
    assert forged["errors"][0]["code"] == "SANDBOX_KEY"
    assert (
        buy(sale, "live-00000001").json()["data"]["reportPurchase"]["errors"] == []
    )  # live still works


def test_sandbox_keys_have_their_own_limit_and_are_not_rotated(
    sale: Sale, sandbox: District
) -> None:
    # given
    keys = [sandbox_key_issue(actor=OPS, customer=sale.customer, name=f"联调{n}", products=["score_query"])[0]
            for n in range(SANDBOX_MAX_KEYS)]  # fmt: skip

    # then
    with pytest.raises(ValidationFailed, match=f"有效的沙箱密钥至多{SANDBOX_MAX_KEYS}个"):
        sandbox_key_issue(
            actor=OPS, customer=sale.customer, name="再来一个", products=["score_query"]
        )
    with pytest.raises(ValidationFailed, match="沙箱密钥不能轮换"):
        institution_key_rotate(actor=OPS, key=keys[0])
    with pytest.raises(ValidationFailed, match="请选择密钥可调用的产品"):
        sandbox_key_issue(actor=OPS, customer=sale.customer, name="x", products=["everything"])


def test_without_a_sandbox_test_keys_are_refused_plainly(sale: Sale) -> None:
    with pytest.raises(PermissionDenied, match="运营方尚未开通开发者沙箱"):
        sandbox_key_issue(actor=OPS, customer=sale.customer, name="联调", products=["score_query"])


def test_the_sandbox_domain_serves_the_api_and_its_guide_only(sandbox: District) -> None:
    # given
    client = Client(HTTP_HOST=SANDBOX_HOST)

    # when
    home = client.get("/")
    graphiql = client.get("/developers/graphiql/")
    console = client.get("/console/")
    search = client.get("/search/")
    anonymous = client.post("/graphql/", {"query": "query($code: String!) " + SUBJECT,
                                          "variables": {"code": sample_code(sandbox)}},
                            content_type="application/json")  # fmt: skip

    # then
    assert home.status_code == 200
    page = home.content.decode()
    assert "开发者沙箱" in page
    assert sample_code(sandbox) in page
    assert "ck_test_" in page
    assert graphiql.status_code == 200
    assert console.status_code == 404
    assert search.status_code == 404
    assert anonymous.json()["data"]["subject"]["name"].startswith("重庆市沙箱区")


def test_the_operator_sets_the_sandbox_up_from_the_command_line(
    sale: Sale, django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("district", "sandbox", "sandbox.operator.test")

    # then
    # (links printed the way `district onboard` prints them)
    assert capsys.readouterr().out.strip() == "开发者沙箱：http://sandbox.operator.test/"
    assert District.objects.get(kind=DistrictKind.SANDBOX).schema_name == "sandbox"
    assert "sandbox" not in District.objects.filter(kind=DistrictKind.DISTRICT).values_list(
        "schema_name", flat=True
    )


def test_the_institution_issues_a_sandbox_key_on_its_keys_page(
    sale: Sale, sandbox: District
) -> None:
    # given
    with schema_context("public"):  # where institution logins and their sessions live
        client = signed_in(member(sale.customer, "dev@bank.test"))

    # when
    page = client.get("/institution/keys/").content.decode()
    issued = client.post(
        "/institution/keys/sandbox/", {"sandbox-name": "联调", "sandbox-products": ["score_query"]}
    )

    # then
    assert re.search(r"<title>接口密钥 · [^<]*</title>", page)
    assert 'action="/institution/keys/sandbox/"' in page
    assert '<input type="checkbox" name="districts" value="sandbox"' not in page  # not a live scope
    secret = re.search(r'data-testid="secret">(ck_test_[^<]+)<', issued.content.decode())
    assert secret is not None
    with schema_context("public"):
        key = ApiKey.objects.get(customer=sale.customer, sandbox=True)
    assert key.products == ["score_query"]
    assert secret.group(1).startswith(key.prefix)
