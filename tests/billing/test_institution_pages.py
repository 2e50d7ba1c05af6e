"""The institution pages on the operator's domain: a customer's login sees its own contracts, usage
and invoices, and nothing of another customer's."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import BillingMode, PricingModel, ProductCode
from billing.models import ApiKey, Contract, Customer, CustomerMember, Invoice
from billing.money import next_month
from billing.services.catalogue import (
    ContractTerms,
    contract_create,
    customer_create,
    package_purchase,
    price_set,
    wallet_top_up,
)
from billing.services.invoicing import period_close
from billing.services.keys import KeyScope, institution_key_issue
from billing.services.metering import Served, fingerprint, metered_call
from core.accounts.models import User
from core.common.actors import Actor
from tenants.models import District
from tests.conftest import OPERATOR_HOST, client_for
from tests.core.collection.files import uscc

OPS = Actor.system("tests")
BANK = "重庆某银行股份有限公司"
INSURER = "重庆某保险股份有限公司"
ALL_PRODUCTS = [p.value for p in ProductCode]
PASSWORD = "Institution-Pass-2026"


def member(customer: Customer | None, email: str) -> User:
    with schema_context("public"):
        user = User.objects.create_user(email, PASSWORD, full_name="风控部")
        if customer is not None:
            CustomerMember.objects.create(user=user, customer=customer)
    return user


def signed_in(user: User) -> Client:
    client = client_for(OPERATOR_HOST)
    client.force_login(user)
    return client


def charge(contract: Contract, key: ApiKey, product: str = ProductCode.SCORE_QUERY) -> None:
    idempotency_key = f"ui-{secrets.token_hex(8)}"
    metered_call(key=key, contract=contract, product=product, idempotency_key=idempotency_key,
                 params=fingerprint(key=idempotency_key), units=1,
                 serve=lambda: Served(reference="RPT-1", response={}))  # fmt: skip


def buyer(
    name: str, serial: int, district: District, *, mode: str = BillingMode.POSTPAID,
    cap_units: int | None = 30, cap_yuan: Decimal | None = None,
) -> tuple[Customer, Contract, ApiKey]:  # fmt: skip
    customer = customer_create(actor=OPS, name=name, uscc=uscc(serial, head="91500000"),
                               contact_email="risk@bank.test")  # fmt: skip
    contract = contract_create(actor=OPS, customer=customer, district=district, terms=ContractTerms(
        mode=mode, products=ALL_PRODUCTS, valid_from=date(2026, 1, 1), monthly_cap_units=cap_units,
        monthly_cap_yuan=cap_yuan))  # fmt: skip
    key, _ = institution_key_issue(actor=OPS, customer=customer, scope=KeyScope(
        name="信贷系统", products=ALL_PRODUCTS, districts=[district.schema_name],
        expires_at=timezone.now() + timedelta(days=365), allowed_ips=[]))  # fmt: skip
    return customer, contract, key


@pytest.fixture
def market(wanzhou: District, kaizhou: District, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """重庆某银行: postpaid in 万州 (cap 30 calls, 2 used), prepaid in 开州 (300 yuan topped up, a
    100-call package bought, 1 call); 重庆某保险: postpaid in 万州 (1 call). This month invoiced."""
    settings.MEDIA_ROOT = str(tmp_path)
    for district in (wanzhou, kaizhou):
        price_set(actor=OPS, district=district, product="score_query", model=PricingModel.PER_UNIT,
                  valid_from=date(2026, 1, 1), unit_price="10.00")  # fmt: skip
    price_set(actor=OPS, district=kaizhou, product="batch_query", model=PricingModel.PACKAGE,
              valid_from=date(2026, 1, 1), package_units=100, package_price="150")  # fmt: skip
    bank, bank_wanzhou, wanzhou_key = buyer(BANK, 900, wanzhou, cap_yuan=Decimal("100.00"))
    bank_kaizhou = contract_create(actor=OPS, customer=bank, district=kaizhou, terms=ContractTerms(
        mode=BillingMode.PREPAID, products=ALL_PRODUCTS, valid_from=date(2026, 1, 1)))  # fmt: skip
    kaizhou_key, _ = institution_key_issue(actor=OPS, customer=bank, scope=KeyScope(
        name="信贷系统", products=ALL_PRODUCTS, districts=["kaizhou"],
        expires_at=timezone.now() + timedelta(days=365), allowed_ips=[]))  # fmt: skip
    wallet_top_up(actor=OPS, contract=bank_kaizhou, amount="300", reference="BANK-001")
    package_purchase(actor=OPS, contract=bank_kaizhou, product="batch_query")
    charge(bank_wanzhou, wanzhou_key)
    charge(bank_wanzhou, wanzhou_key)
    charge(bank_kaizhou, kaizhou_key)
    insurer, insurer_wanzhou, insurer_key = buyer(INSURER, 901, wanzhou)
    charge(insurer_wanzhou, insurer_key)
    today = timezone.localdate()
    period_close(period=today, actor=OPS, today=next_month(today) + timedelta(days=10))
    return {
        "bank": bank, "insurer": insurer,
        "bank_invoice": Invoice.objects.get(contract=bank_wanzhou),
        "insurer_invoice": Invoice.objects.get(contract=insurer_wanzhou),
        "bank_kaizhou": bank_kaizhou, "bank_wanzhou": bank_wanzhou,
    }  # fmt: skip


def body_of(response: Any) -> str:
    return str(response.content.decode())


def test_the_login_page_signs_a_member_in(market: dict[str, Any]) -> None:
    member(market["bank"], "risk@bank.test")
    client = client_for(OPERATOR_HOST)

    page = client.get("/institution/login/")
    wrong = client.post("/institution/login/", {"username": "risk@bank.test", "password": "x"})
    right = client.post("/institution/login/", {"username": "risk@bank.test", "password": PASSWORD})

    assert page.status_code == 200
    assert "机构用户登录" in body_of(page)
    assert "邮箱或密码不正确，请重新输入。" in body_of(wrong)
    assert right.status_code == 302
    assert right["Location"] == "/institution/"
    assert client.get("/institution/").status_code == 200


def test_pages_need_a_login(db: None) -> None:
    client = client_for(OPERATOR_HOST)

    for page in ("/institution/", "/institution/usage/", "/institution/invoices/",
                 "/institution/invoices/ZD202611-000001/pdf/"):  # fmt: skip
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"/institution/login/?next={page}"


def test_a_login_without_a_customer_gets_a_clear_403(
    market: dict[str, Any], operator_user: User
) -> None:
    stranger = signed_in(member(None, "someone@elsewhere.test"))
    operator = signed_in(operator_user)

    for page in ("/institution/", "/institution/usage/", "/institution/invoices/",
                 f"/institution/invoices/{market['bank_invoice'].number}/pdf/"):  # fmt: skip
        response = stranger.get(page)
        assert response.status_code == 403
        assert "您的账号（someone@elsewhere.test）没有关联客户机构，不能查看用量和账单。" in body_of(response)  # fmt: skip
    assert operator.get("/institution/").status_code == 403  # staff is not a customer


def test_the_home_page_shows_each_contract_with_usage_and_balances(
    market: dict[str, Any],
) -> None:
    client = signed_in(member(market["bank"], "risk@bank.test"))

    response = client.get("/institution/")

    body = body_of(response)
    wanzhou, kaizhou = market["bank_wanzhou"], market["bank_kaizhou"]
    assert response.status_code == 200
    assert body.count('data-testid="contract"') == 2
    assert f"万州区 · 合同 {wanzhou.number}" in body
    assert f"开州区 · 合同 {kaizhou.number}" in body
    # 万州: postpaid, caps of 30 calls and 100 yuan, two calls at 10 yuan.
    assert "<dt>付费方式</dt><dd>后付费（月度硬上限）</dd>" in body
    assert "<dt>月度上限</dt><dd>30次，100.00元</dd>" in body
    assert "<dt>本月已用</dt><dd>2次，20.00元</dd>" in body
    assert "<dt>本月剩余</dt><dd>28次，80.00元</dd>" in body
    # 开州: prepaid, no cap; 300 topped up, 150 for the package, 10 for one call.
    assert "<dt>付费方式</dt><dd>预付费（钱包）</dd>" in body
    assert "<dt>月度上限</dt><dd>不设上限</dd>" in body
    assert "<dt>本月已用</dt><dd>1次，10.00元</dd>" in body
    assert "<dt>本月剩余</dt><dd>不设上限</dd>" in body
    assert "<dt>预付余额</dt><dd>140.00元</dd>" in body
    assert "<dt>套餐余量</dt><dd>批量评分查询 100</dd>" in body
    assert body.count("<dt>预付余额</dt>") == 1  # postpaid contracts have no wallet
    assert INSURER not in body


def test_the_usage_page_shows_a_chosen_month_of_this_customer_only(
    market: dict[str, Any],
) -> None:
    client = signed_in(member(market["bank"], "risk@bank.test"))
    month = f"{timezone.localdate():%Y-%m}"

    response = client.get(f"/institution/usage/?month={month}")
    empty = client.get("/institution/usage/?month=2020-01")

    body = body_of(response)
    assert "<td>万州区</td><td>信用评分查询</td><td>2</td><td>20.00</td>" in body
    assert "<td>开州区</td><td>信用评分查询</td><td>1</td><td>10.00</td>" in body
    assert '<th colspan="2">合计</th><th>3</th><th>30.00</th>' in body
    assert INSURER not in body
    assert "该月没有调用用量。" in body_of(empty)
    assert 'data-testid="usage"' not in body_of(empty)


def test_invoices_are_listed_and_downloaded_only_by_their_customer(
    market: dict[str, Any],
) -> None:
    client = signed_in(member(market["bank"], "risk@bank.test"))
    own, other = market["bank_invoice"], market["insurer_invoice"]

    listing = body_of(client.get("/institution/invoices/"))
    pdf = client.get(f"/institution/invoices/{own.number}/pdf/")
    csv = client.get(f"/institution/invoices/{own.number}/csv/")

    assert f'href="/institution/invoices/{own.number}/pdf/"' in listing
    assert f'href="/institution/invoices/{own.number}/csv/"' in listing
    assert other.number not in listing
    assert Invoice.objects.filter(customer=market["bank"]).count() == 2  # 万州 and 开州
    with schema_context("public"), default_storage.open(own.stored_pdf, "rb") as stored:
        assert pdf.content == stored.read()
    assert pdf["Content-Type"] == "application/pdf"
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode("utf-8-sig").splitlines()[-1] == (
        f"{own.number},{own.period:%Y-%m},{BANK},万州区,账单合计,,,20.00"
    )
    for kind in ("pdf", "csv"):
        assert client.get(f"/institution/invoices/{other.number}/{kind}/").status_code == 404
        assert client.get(f"/institution/invoices/ZD190001-000000/{kind}/").status_code == 404


def test_an_institution_without_contracts_or_invoices_is_told_so(db: None) -> None:
    customer = customer_create(actor=OPS, name=BANK, uscc=uscc(900, head="91500000"),
                               contact_email="risk@bank.test")  # fmt: skip
    client = signed_in(member(customer, "risk@bank.test"))

    assert "贵机构尚未与运营方签订合同。" in body_of(client.get("/institution/"))
    assert "暂无账单。每月账期关闭后出具上月账单。" in body_of(client.get("/institution/invoices/"))


def test_logging_out_returns_to_the_login_page(market: dict[str, Any]) -> None:
    client = signed_in(member(market["bank"], "risk@bank.test"))

    response = client.post("/institution/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/institution/login/"
    assert client.get("/institution/").status_code == 302
