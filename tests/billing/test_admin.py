"""The operator console for billing: every write goes through a service and a refusal is shown on
the form; prices are versioned and the ledger, top-ups, invoices and credit notes cannot be changed
or deleted; an API key's secret is shown once and its hash never."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.storage import default_storage
from django.test import Client, RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import BillingMode, ContractStatus, EntryKind, PricingModel, ProductCode
from billing.models import (
    ApiKey,
    Contract,
    CreditNote,
    Customer,
    CustomerMember,
    Invoice,
    PackageBalance,
    Price,
    Product,
    UsageEvent,
    WalletTopUp,
)
from billing.money import month_start, next_month
from billing.services.catalogue import (
    ContractTerms,
    contract_create,
    customer_create,
    price_set,
    wallet_top_up,
)
from billing.services.invoicing import period_close
from billing.services.keys import KeyScope, institution_key_issue
from billing.services.ledger import usage_correct
from billing.services.metering import Served, fingerprint, metered_call
from core.accounts.models import User
from core.common.actors import Actor
from tenants.models import District
from tests.conftest import OPERATOR_HOST, client_for
from tests.core.collection.files import uscc
from tests.support.clock import BEIJING, Clock, on_calendar_days

OPS = Actor.system("tests")
BANK = "重庆某银行股份有限公司"
INSURER = "重庆某保险股份有限公司"
ALL_PRODUCTS = [p.value for p in ProductCode]


# --- Arrangement ------------------------------------------------------------------------------


def operator_root() -> Client:
    """A client logged in now (on the clock's day) as the operator's superuser."""
    with schema_context("public"):
        root = User.objects.filter(email="root@operator.test").first()
        root = root or User.objects.create_superuser("root@operator.test", "Root-Pass-2026")
    client = client_for(OPERATOR_HOST)
    client.force_login(root)
    return client


@pytest.fixture
def admin_client(db: None) -> Client:
    return operator_root()


def make_customer(name: str = BANK, serial: int = 900) -> Customer:
    return customer_create(actor=OPS, name=name, uscc=uscc(serial, head="91500000"),
                           contact_email="risk@bank.test")  # fmt: skip


def make_contract(
    customer: Customer, district: District, *, mode: str = BillingMode.POSTPAID,
    cap_units: int | None = 30,
) -> Contract:  # fmt: skip
    terms = ContractTerms(mode=mode, products=ALL_PRODUCTS, valid_from=date(2026, 1, 1),
                          monthly_cap_units=cap_units)  # fmt: skip
    return contract_create(actor=OPS, customer=customer, district=district, terms=terms)


def make_key(customer: Customer, district: District) -> tuple[ApiKey, str]:
    scope = KeyScope(name="信贷系统", products=ALL_PRODUCTS, districts=[district.schema_name],
                     expires_at=timezone.now() + timedelta(days=365), allowed_ips=[])  # fmt: skip
    return institution_key_issue(actor=OPS, customer=customer, scope=scope)


def per_unit(
    district: District, product: str = ProductCode.SCORE_QUERY, yuan: str = "10.00"
) -> None:
    price_set(actor=OPS, district=district, product=product, model=PricingModel.PER_UNIT,
              valid_from=date(2026, 1, 1), unit_price=yuan)  # fmt: skip


def charge(contract: Contract, key: ApiKey, product: str = ProductCode.SCORE_QUERY) -> UsageEvent:
    """One metered call served with nothing: a real charge in today's month."""
    idempotency_key = f"ui-{secrets.token_hex(8)}"
    metered_call(key=key, contract=contract, product=product, idempotency_key=idempotency_key,
                 params=fingerprint(key=idempotency_key), units=1,
                 serve=lambda: Served(reference="RPT-1", response={}))  # fmt: skip
    return UsageEvent.objects.get(contract=contract, idempotency_key=idempotency_key)


def after_grace() -> date:
    return next_month(timezone.localdate()) + timedelta(days=10)


def body_of(response: Any) -> str:
    return str(response.content.decode())


# --- Products and prices ------------------------------------------------------------------------


def test_products_are_listed_and_cannot_be_added_changed_or_deleted(admin_client: Client) -> None:
    product = Product.objects.get(code=ProductCode.BASIC_REPORT)

    listing = admin_client.get("/admin/billing/product/")
    page = admin_client.get(f"/admin/billing/product/{product.pk}/change/")

    assert listing.status_code == 200
    assert "基础版信用报告" in body_of(listing)
    assert "/admin/billing/product/add/" not in body_of(listing)
    assert admin_client.get("/admin/billing/product/add/").status_code == 403
    assert page.status_code == 200
    assert 'name="_save"' not in body_of(page)
    assert admin_client.get(f"/admin/billing/product/{product.pk}/delete/").status_code == 403


def test_a_per_unit_price_is_set_through_the_service(
    admin_client: Client, wanzhou: District
) -> None:
    form = {"district": wanzhou.pk, "product": "basic_report", "model": "per_unit",
            "valid_from": "2026-12-01", "unit_price": "10"}  # fmt: skip

    response = admin_client.post("/admin/billing/price/add/", form, follow=True)

    price = Price.objects.get(district=wanzhou, product__code="basic_report")
    assert (price.model, price.unit_price_yuan, price.valid_from) == (
        "per_unit", Decimal("10.00"), date(2026, 12, 1))  # fmt: skip
    assert price.created_by == "root@operator.test"
    assert response.redirect_chain == [("/admin/billing/price/", 302)]
    assert "已设定万州区“基础版信用报告”自2026-12-01起的价格：10.00元/份" in body_of(response)


def test_tiers_are_typed_as_lines_with_an_open_last_tier(
    admin_client: Client, wanzhou: District
) -> None:
    form = {"district": wanzhou.pk, "product": "score_query", "model": "tiered",
            "valid_from": "2026-12-01", "tiers": "1000,8.00\r\n5000，6\r\n\r\n,5.00\r\n"}  # fmt: skip

    admin_client.post("/admin/billing/price/add/", form)
    listing = body_of(admin_client.get("/admin/billing/price/"))

    assert Price.objects.get(district=wanzhou).tiers == [
        {"up_to": 1000, "unit_price": "8.00"},
        {"up_to": 5000, "unit_price": "6.00"},
        {"up_to": None, "unit_price": "5.00"},
    ]
    assert (
        "第1–1000次 8.00元/次；第1001–5000次 6.00元/次；第5001次起 5.00元/次（按自然月累计）"
        in listing
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"model": "tiered", "tiers": "1000"}, {"tiers": ["第1行应为“上限,单价”，如 1000,8.00"]}),
        ({"model": "tiered", "tiers": "1000,8\n2000,6"}, {"tiers": ["最后一档不设上限（留空）"]}),
        ({"model": "tiered", "tiers": "1000,8\n500,7\n,6"},
         {"tiers": ["第2档的上限应大于上一档（1000）"]}),
        ({"model": "tiered", "tiers": ""}, {"tiers": ["阶梯计价至少需要一档"]}),
        ({"model": "per_unit", "unit_price": "8.123"}, {"unit_price": ["金额最多保留两位小数"]}),
        ({"model": "package", "package_price": "800"}, {"package_units": ["套餐次数应为正整数"]}),
    ],
    ids=["not-two-parts", "last-bounded", "not-ascending", "no-tiers", "cents", "no-units"],
)  # fmt: skip
def test_price_refusals_are_shown_on_the_field(
    admin_client: Client, wanzhou: District, fields: dict[str, str], errors: dict[str, list[str]]
) -> None:
    form = {"district": wanzhou.pk, "product": "score_query", "valid_from": "2026-12-01", **fields}

    response = admin_client.post("/admin/billing/price/add/", form)

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not Price.objects.filter(district=wanzhou).exists()


def test_a_package_price_and_a_second_price_on_the_same_day(
    admin_client: Client, wanzhou: District
) -> None:
    form = {"district": wanzhou.pk, "product": "batch_query", "model": "package",
            "valid_from": "2026-12-01", "package_units": "500", "package_price": "3000"}  # fmt: skip

    first = admin_client.post("/admin/billing/price/add/", form, follow=True)
    again = admin_client.post("/admin/billing/price/add/", {**form, "package_price": "2800"})

    assert "自2026-12-01起的价格：500户套餐 3000.00元" in body_of(first)
    assert again.context["form"].errors == {
        "valid_from": ["2026-12-01 已有该产品的价格；请选择其他生效日期"]
    }
    assert Price.objects.get(district=wanzhou).package_price_yuan == Decimal("3000.00")


def test_prices_are_versioned_never_edited_or_deleted(
    admin_client: Client, wanzhou: District, kaizhou: District
) -> None:
    per_unit(wanzhou)
    per_unit(kaizhou, yuan="12.00")
    price = Price.objects.get(district=wanzhou)

    page = admin_client.get(f"/admin/billing/price/{price.pk}/change/")
    posted = admin_client.post(f"/admin/billing/price/{price.pk}/change/", {"model": "package"})
    filtered = admin_client.get(f"/admin/billing/price/?district__id__exact={kaizhou.pk}")

    assert page.status_code == 200
    assert "10.00元/次" in body_of(page)
    assert 'name="_save"' not in body_of(page)
    assert f"/admin/billing/price/{price.pk}/delete/" not in body_of(page)
    assert posted.status_code == 403
    assert admin_client.get(f"/admin/billing/price/{price.pk}/delete/").status_code == 403
    assert [p.district.name for p in filtered.context["cl"].result_list] == ["开州区"]
    assert Price.objects.get(pk=price.pk).unit_price_yuan == Decimal("10.00")


# --- Customers and contracts ------------------------------------------------------------------


def test_a_customer_is_created_and_its_webhook_secret_shown_read_only(
    admin_client: Client,
) -> None:
    form = {"name": f" {BANK} ", "uscc": uscc(900, head="91500000").lower(),
            "contact_email": "risk@bank.test", "webhook_url": "https://bank.test/hook"}  # fmt: skip

    response = admin_client.post("/admin/billing/customer/add/", form, follow=True)

    customer = Customer.objects.get()
    body = body_of(response)
    assert customer.name == BANK
    assert response.redirect_chain == [(f"/admin/billing/customer/{customer.pk}/change/", 302)]
    assert f"已创建客户机构：{BANK}" in body
    assert f"<code>{customer.webhook_secret}</code>" in body
    assert 'name="webhook_secret"' not in body
    assert 'name="_save"' not in body


def test_an_institution_login_is_opened_by_a_one_time_link_and_can_be_stopped(
    admin_client: Client, wanzhou: District
) -> None:
    # given: the operator opens a login for the bank's risk officer
    customer = make_customer()
    make_contract(customer, wanzhou)
    added = admin_client.post(f"/admin/billing/customer/{customer.pk}/members/add/",
                              {"email": "Risk.Officer@Bank.test", "full_name": "李风控"})  # fmt: skip
    link = re.search(
        r'data-testid="member-link">http://[^/]+(/institution/welcome/[^<]+/)<', body_of(added)
    )
    assert link is not None
    member = CustomerMember.objects.select_related("user").get()
    assert (member.customer_id, member.user.email, member.user.has_usable_password()) == (
        customer.pk, "risk.officer@bank.test", False)  # fmt: skip
    page = admin_client.get(f"/admin/billing/customer/{customer.pk}/change/")
    assert "risk.officer@bank.test（李风控）" in body_of(page)

    # when: the officer opens the link and sets a password
    officer = client_for(OPERATOR_HOST)
    form = officer.get(link.group(1))
    welcomed = officer.post(link.group(1), {"password1": "Risk-Officer-2026", "password2": "Risk-Officer-2026"},
                            follow=True)  # fmt: skip

    # then: signed in on the bank's own page; the link is spent
    assert "账号：risk.officer@bank.test（重庆某银行股份有限公司）" in body_of(form)
    assert welcomed.redirect_chain == [("/institution/", 302)]
    assert "万州区" in body_of(welcomed)
    assert client_for(OPERATOR_HOST).get(link.group(1)).status_code == 404

    # when: the operator stops the login
    admin_client.post(f"/admin/billing/customer/members/{member.pk}/deactivate/", {})

    # then: the password no longer signs in and the page says it is stopped
    assert not client_for(OPERATOR_HOST).login(
        username="risk.officer@bank.test", password="Risk-Officer-2026"
    )
    assert "已停用" in body_of(admin_client.get(f"/admin/billing/customer/{customer.pk}/change/"))


def test_a_login_for_a_taken_address_is_refused_on_the_field(admin_client: Client) -> None:
    customer = make_customer()

    refused = admin_client.post(f"/admin/billing/customer/{customer.pk}/members/add/",
                                {"email": "root@operator.test", "full_name": "冒用"})  # fmt: skip

    assert refused.context["form"].errors == {
        "email": ["账号“root@operator.test”已存在，不能重复开通"]
    }
    assert CustomerMember.objects.count() == 0


def test_customer_refusals_are_shown_on_the_field(admin_client: Client) -> None:
    make_customer()
    taken = {"name": "另一家", "uscc": uscc(900, head="91500000"), "contact_email": "a@b.test"}

    short = admin_client.post("/admin/billing/customer/add/", {**taken, "uscc": "123"})
    duplicate = admin_client.post("/admin/billing/customer/add/", taken)

    assert short.context["form"].errors == {"uscc": ["统一社会信用代码应为18位，实际为3位"]}
    assert duplicate.context["form"].errors == {"uscc": ["该统一社会信用代码的机构已存在"]}
    assert Customer.objects.count() == 1


def test_a_contract_is_signed_and_a_postpaid_one_needs_a_cap(
    admin_client: Client, wanzhou: District
) -> None:
    customer = make_customer()
    form = {"customer": customer.pk, "district": wanzhou.pk, "mode": "postpaid",
            "products": ["basic_report", "score_query"], "valid_from": "2026-01-01"}  # fmt: skip

    uncapped = admin_client.post("/admin/billing/contract/add/", form)
    signed = admin_client.post(
        "/admin/billing/contract/add/", {**form, "monthly_cap_units": "30"}, follow=True
    )

    contract = Contract.objects.get()
    body = body_of(signed)
    assert uncapped.context["form"].errors == {
        "monthly_cap_units": ["后付费合同须设月度硬上限（次数或金额）"]
    }
    assert (contract.mode, contract.products, contract.monthly_cap_units) == (
        "postpaid", ["basic_report", "score_query"], 30)  # fmt: skip
    assert f"已签订合同{contract.number}：{BANK}在万州区" in body
    assert "基础版信用报告、信用评分查询" in body
    assert f"/admin/billing/contract/{contract.pk}/status/" in body
    assert f"/admin/billing/contract/{contract.pk}/package/" in body
    assert f"/admin/billing/contract/{contract.pk}/top-up/" not in body  # postpaid: no wallet
    assert 'name="_save"' not in body


def test_a_prepaid_wallet_is_topped_up_and_refusals_shown(
    admin_client: Client, wanzhou: District, kaizhou: District
) -> None:
    customer = make_customer()
    prepaid = make_contract(customer, wanzhou, mode=BillingMode.PREPAID, cap_units=None)
    postpaid = make_contract(customer, kaizhou)

    done = admin_client.post(f"/admin/billing/contract/{prepaid.pk}/top-up/",
                             {"amount": "500", "reference": "BANK-001"}, follow=True)  # fmt: skip
    bad = admin_client.post(f"/admin/billing/contract/{prepaid.pk}/top-up/",
                            {"amount": "abc", "reference": "BANK-002"})  # fmt: skip
    refused = admin_client.post(f"/admin/billing/contract/{postpaid.pk}/top-up/",
                                {"amount": "500", "reference": "BANK-003"})  # fmt: skip

    assert f"已为合同{prepaid.number}充值500.00元，余额500.00元" in body_of(done)
    assert f"/admin/billing/contract/{prepaid.pk}/top-up/" in body_of(done)
    assert bad.context["form"].errors == {"amount": ["金额应为以元计的数字，如 20 或 20.50"]}
    assert refused.context["form"].errors == {"amount": ["后付费合同没有预付钱包"]}
    assert WalletTopUp.objects.get().reference == "BANK-001"
    assert Contract.objects.get(pk=prepaid.pk).wallet_balance_yuan == Decimal("500.00")


def test_packages_are_bought_from_the_wallet(admin_client: Client, wanzhou: District) -> None:
    price_set(actor=OPS, district=wanzhou, product="score_query", model=PricingModel.PACKAGE,
              valid_from=date(2026, 1, 1), package_units=100, package_price="800")  # fmt: skip
    contract = make_contract(make_customer(), wanzhou, mode=BillingMode.PREPAID, cap_units=None)
    wallet_top_up(actor=OPS, contract=contract, amount="1000", reference="BANK-001")
    url = f"/admin/billing/contract/{contract.pk}/package/"

    short = admin_client.post(url, {"product": "score_query", "count": "2"})
    bought = admin_client.post(url, {"product": "score_query", "count": "1"}, follow=True)

    assert short.context["form"].errors == {"count": ["预付余额1000.00元，不足以购买（1600.00元）"]}
    assert f"已为合同{contract.number}购买1份“信用评分查询”套餐：100次，800.00元" in body_of(bought)
    assert "信用评分查询 100" in body_of(bought)  # 套餐余量 on the contract page
    assert PackageBalance.objects.get(contract=contract).units_remaining == 100
    assert Contract.objects.get(pk=contract.pk).wallet_balance_yuan == Decimal("200.00")


def test_contract_status_changes_with_a_reason(admin_client: Client, wanzhou: District) -> None:
    customer = make_customer()
    first = make_contract(customer, wanzhou)
    url = f"/admin/billing/contract/{first.pk}/status/"

    no_reason = admin_client.post(url, {"status": "suspended", "reason": ""})
    suspended = admin_client.post(url, {"status": "suspended", "reason": "逾期未付款"}, follow=True)
    second = make_contract(customer, wanzhou)
    both_active = admin_client.post(url, {"status": "active", "reason": "已付款"})

    assert no_reason.context["form"].errors == {"reason": ["这个字段是必填项。"]}
    assert f"合同{first.number}状态已变更为：暂停" in body_of(suspended)
    assert both_active.status_code == 200
    assert both_active.context["form"].errors == {"status": [f"{BANK}在万州区已有有效合同"]}
    assert Contract.objects.get(pk=first.pk).status == ContractStatus.SUSPENDED
    assert Contract.objects.get(pk=second.pk).status == ContractStatus.ACTIVE


# --- API keys ---------------------------------------------------------------------------------


def test_an_issued_key_is_shown_once_and_its_hash_never(
    admin_client: Client, wanzhou: District
) -> None:
    customer = make_customer()
    expires = timezone.localdate() + timedelta(days=90)
    form = {"customer": customer.pk, "name": "信贷系统", "products": ["score_query"],
            "districts": ["wanzhou"], "expires_at": expires.isoformat(),
            "allowed_ips": "203.0.113.0/24\n198.51.100.7", "rate_per_minute": "120"}  # fmt: skip

    issued = admin_client.post("/admin/billing/apikey/add/", form)

    key = ApiKey.objects.get()
    secret = issued.context["secret"]
    page = body_of(issued)
    detail = body_of(admin_client.get(f"/admin/billing/apikey/{key.pk}/change/"))
    listing = body_of(admin_client.get("/admin/billing/apikey/"))
    assert issued.status_code == 200
    assert secret.startswith("ck_")
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert page.count(secret) == 1
    assert "它只显示这一次，离开本页后无法再次查看" in page
    assert key.key_hash not in page
    assert (key.products, key.districts, key.allowed_ips, key.rate_per_minute) == (
        ["score_query"], ["wanzhou"], ["203.0.113.0/24", "198.51.100.7/32"], 120)  # fmt: skip
    assert timezone.localtime(key.expires_at) == datetime.combine(
        expires, time(23, 59, 59), tzinfo=timezone.get_current_timezone())  # fmt: skip
    for later in (detail, listing):
        assert secret not in later
        assert key.key_hash not in later
        assert f"{key.prefix}…" in later
    assert "key_hash" not in detail


def test_key_refusals_are_shown_on_the_field(admin_client: Client, wanzhou: District) -> None:
    form = {"customer": make_customer().pk, "name": "信贷系统", "districts": ["wanzhou"],
            "expires_at": (timezone.localdate() + timedelta(days=90)).isoformat(),
            "rate_per_minute": "60"}  # fmt: skip

    no_products = admin_client.post("/admin/billing/apikey/add/", form)
    bad_ip = admin_client.post(
        "/admin/billing/apikey/add/", {**form, "products": ["score_query"], "allowed_ips": "x.y"}
    )

    assert no_products.context["form"].errors == {"products": ["请选择密钥可调用的产品"]}
    assert bad_ip.context["form"].errors == {"allowed_ips": ["“x.y”不是有效的地址或网段"]}
    assert not ApiKey.objects.exists()


def test_a_key_is_rotated_with_the_new_secret_shown_once_then_revoked(
    admin_client: Client, wanzhou: District
) -> None:
    old, old_secret = make_key(make_customer(), wanzhou)

    rotated = admin_client.post(f"/admin/billing/apikey/{old.pk}/rotate/", {"overlap_hours": "0"})
    new = ApiKey.objects.get(rotated_from=old)
    new_secret = rotated.context["secret"]
    revoked = admin_client.post(
        f"/admin/billing/apikey/{new.pk}/revoke/", {"reason": "机构要求停用"}, follow=True
    )

    page = body_of(rotated)
    assert page.count(new_secret) == 1
    assert old_secret not in page
    assert new.key_hash == hashlib.sha256(new_secret.encode()).hexdigest()
    assert new.key_hash not in page
    assert f"{old.prefix}…（信贷系统）于" in page
    assert ApiKey.objects.get(pk=old.pk).expires_at <= timezone.now()
    assert f"密钥{new.prefix}…（信贷系统）已吊销" in body_of(revoked)
    assert ApiKey.objects.get(pk=new.pk).revoked_at is not None
    assert f"/admin/billing/apikey/{new.pk}/rotate/" not in body_of(revoked)
    again = admin_client.post(f"/admin/billing/apikey/{new.pk}/rotate/", {"overlap_hours": "0"})
    assert again.context["form"].errors == {"__all__": ["已吊销的密钥不能轮换"]}


# --- Ledger, corrections, invoices ------------------------------------------------------------


def test_the_ledger_is_filtered_by_customer_district_product_and_period(
    admin_client: Client, wanzhou: District, kaizhou: District
) -> None:
    per_unit(wanzhou)
    per_unit(kaizhou, ProductCode.BASIC_REPORT)
    bank, insurer = make_customer(), make_customer(INSURER, serial=901)
    bank_key, _ = make_key(bank, wanzhou)
    insurer_key, _ = make_key(insurer, kaizhou)
    charge(make_contract(bank, wanzhou), bank_key)
    charge(make_contract(insurer, kaizhou), insurer_key, ProductCode.BASIC_REPORT)
    month = f"{timezone.localdate():%Y-%m}"

    def shown(query: str) -> list[str]:
        response = admin_client.get(f"/admin/billing/usageevent/{query}")
        return [e.customer.name for e in response.context["cl"].result_list]

    assert sorted(shown("")) == [INSURER, BANK]
    assert shown(f"?customer__id__exact={insurer.pk}") == [INSURER]
    assert shown(f"?district__id__exact={wanzhou.pk}") == [BANK]
    assert shown(f"?product__id__exact={Product.objects.get(code='basic_report').pk}") == [INSURER]
    assert len(shown(f"?period={month}")) == 2
    assert shown("?period=2020-01") == []
    assert shown("?period=not-a-month") == []


@pytest.fixture
def ledger(wanzhou: District, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """A prepaid contract with a top-up, two charges this month, the month invoiced and one charge
    corrected afterwards (so a credit note exists)."""
    settings.MEDIA_ROOT = str(tmp_path)
    per_unit(wanzhou)
    customer = make_customer()
    contract = make_contract(customer, wanzhou, mode=BillingMode.PREPAID, cap_units=None)
    key, _ = make_key(customer, wanzhou)
    top_up = wallet_top_up(actor=OPS, contract=contract, amount="100", reference="BANK-001")
    first, second = charge(contract, key), charge(contract, key)
    (invoice,) = period_close(period=timezone.localdate(), actor=OPS, today=after_grace())
    correction = usage_correct(actor=OPS, event=first, reason="重复调用，经核实退还")
    return {"contract": contract, "usageevent": second, "wallettopup": top_up,
            "invoice": invoice, "creditnote": CreditNote.objects.get(correction=correction)}  # fmt: skip


@pytest.mark.parametrize("model", ["usageevent", "wallettopup", "invoice", "creditnote"])
def test_append_only_tables_offer_no_add_change_or_delete(
    admin_client: Client, ledger: dict[str, Any], model: str
) -> None:
    row = ledger[model]
    model_admin = admin.site.get_model_admin(type(row))
    request = RequestFactory().get("/")
    request.user = User.objects.get(email="root@operator.test")

    listing = body_of(admin_client.get(f"/admin/billing/{model}/"))
    page = admin_client.get(f"/admin/billing/{model}/{row.pk}/change/")

    assert model_admin.has_change_permission(request, row) is False
    assert model_admin.has_delete_permission(request, row) is False
    assert model_admin.has_add_permission(request) is False
    assert f"/admin/billing/{model}/add/" not in listing
    assert "delete_selected" not in listing
    assert page.status_code == 200
    assert 'name="_save"' not in body_of(page)
    assert f"/admin/billing/{model}/{row.pk}/delete/" not in body_of(page)
    assert admin_client.post(f"/admin/billing/{model}/{row.pk}/change/", {}).status_code == 403
    assert admin_client.get(f"/admin/billing/{model}/{row.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/billing/{model}/{row.pk}/delete/", {"post": "yes"}).status_code == 403  # fmt: skip
    assert type(row).objects.filter(pk=row.pk).exists()


def test_a_correction_is_a_compensating_entry_with_a_reason(
    admin_client: Client, wanzhou: District
) -> None:
    per_unit(wanzhou)
    customer = make_customer()
    event = charge(make_contract(customer, wanzhou), make_key(customer, wanzhou)[0])
    url = f"/admin/billing/usageevent/{event.pk}/correct/"

    form_page = body_of(admin_client.get(url))
    partly = admin_client.post(url, {"amount": "4", "reason": "部分退还"}, follow=True)
    too_much = admin_client.post(url, {"amount": "7", "reason": "再退"})
    no_reason = admin_client.post(url, {"amount": "", "reason": " "})

    correction = UsageEvent.objects.get(kind=EntryKind.CORRECTION)
    assert "冲正用量流水" in form_page
    assert (correction.amount_yuan, correction.units, correction.corrects_id) == (
        Decimal("-4.00"), 0, event.pk)  # fmt: skip
    assert (correction.reason, correction.recorded_by) == ("部分退还", "root@operator.test")
    assert partly.redirect_chain == [(f"/admin/billing/usageevent/{event.pk}/change/", 302)]
    assert f"已冲正4.00元（流水#{event.pk}）" in body_of(partly)
    assert too_much.context["form"].errors == {"amount": ["该流水可冲正的余额为6.00元"]}
    assert no_reason.context["form"].errors == {"reason": ["这个字段是必填项。"]}
    assert UsageEvent.objects.get(pk=event.pk).amount_yuan == Decimal("10.00")
    listing = body_of(admin_client.get("/admin/billing/usageevent/"))
    assert listing.count('/correct/">冲正</a>') == 1  # the charge's, not the correction's


def test_correcting_an_invoiced_month_issues_a_credit_note(
    admin_client: Client, ledger: dict[str, Any]
) -> None:
    event = ledger["usageevent"]

    response = admin_client.post(f"/admin/billing/usageevent/{event.pk}/correct/",
                                 {"amount": "", "reason": "系统故障未出报告"}, follow=True)  # fmt: skip

    note = CreditNote.objects.get(correction__corrects=event)
    assert note.invoice == ledger["invoice"]
    assert note.amount_yuan == Decimal("-10.00")
    assert f"已冲正10.00元（流水#{event.pk}），并出具红字凭证{note.number}" in body_of(response)


def test_invoice_pdf_and_csv_are_downloaded(admin_client: Client, ledger: dict[str, Any]) -> None:
    invoice: Invoice = ledger["invoice"]
    month = f"{invoice.period:%Y-%m}"

    listing = body_of(admin_client.get("/admin/billing/invoice/"))
    pdf = admin_client.get(f"/admin/billing/invoice/{invoice.pk}/pdf/")
    csv = admin_client.get(f"/admin/billing/invoice/{invoice.pk}/csv/")

    with schema_context("public"), default_storage.open(invoice.stored_pdf, "rb") as stored:
        assert pdf.content == stored.read()
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert f'href="/admin/billing/invoice/{invoice.pk}/pdf/"' in listing
    assert f'href="/admin/billing/invoice/{invoice.pk}/csv/"' in listing
    assert csv["Content-Disposition"] == f'attachment; filename="{invoice.number}.csv"'
    assert csv.content.decode("utf-8-sig").splitlines() == [
        "账单编号,账期,客户,区县,产品,类型,数量,金额（元，含税）",
        f"{invoice.number},{month},{BANK},万州区,信用评分查询,调用计费,2,20.00",
        f"{invoice.number},{month},{BANK},万州区,红字凭证 {ledger['creditnote'].number},"
        "重复调用，经核实退还,,-10.00",
        f"{invoice.number},{month},{BANK},万州区,账单合计,,,20.00",
        f"{invoice.number},{month},{BANK},万州区,冲红后应付,,,10.00",
    ]
    assert admin_client.get("/admin/billing/invoice/999999/pdf/").status_code == 404


def test_a_missing_invoice_file_is_a_404_not_an_error(
    admin_client: Client, ledger: dict[str, Any]
) -> None:
    invoice: Invoice = ledger["invoice"]
    with schema_context("public"):
        default_storage.delete(invoice.stored_pdf)

    assert admin_client.get(f"/admin/billing/invoice/{invoice.pk}/pdf/").status_code == 404


# --- 用量总览 and period close -----------------------------------------------------------------


def test_the_usage_overview_sums_a_month_per_customer_district_and_product(
    admin_client: Client, wanzhou: District, kaizhou: District
) -> None:
    per_unit(wanzhou)
    per_unit(kaizhou, yuan="12.50")
    bank = make_customer()
    key, _ = make_key(bank, wanzhou)
    kaizhou_key, _ = make_key(bank, kaizhou)
    wanzhou_contract, kaizhou_contract = make_contract(bank, wanzhou), make_contract(bank, kaizhou)
    charge(wanzhou_contract, key)
    charge(wanzhou_contract, key)
    charge(kaizhou_contract, kaizhou_key)
    today = timezone.localdate()

    response = admin_client.get(f"/admin/billing/usageevent/overview/?month={today:%Y-%m}")
    empty = admin_client.get("/admin/billing/usageevent/overview/?month=2020-01")
    default = admin_client.get("/admin/billing/usageevent/overview/?month=garbage")

    body = body_of(response)
    assert response.status_code == 200
    assert f"<td>{BANK}</td><td>万州区</td><td>信用评分查询</td><td>2</td><td>20.00</td>" in body
    assert f"<td>{BANK}</td><td>开州区</td><td>信用评分查询</td><td>1</td><td>12.50</td>" in body
    assert '<th colspan="3">合计</th><th>3</th><th>32.50</th>' in body
    assert "2020年01月没有调用用量。" in body_of(empty)
    assert default.context["month"] == month_start(today)
    assert "/admin/billing/usageevent/overview/" in body_of(
        admin_client.get("/admin/billing/usageevent/")
    )


def test_closing_a_period_before_its_grace_period_shows_the_reason(
    admin_client: Client, wanzhou: District, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    today = timezone.localdate()

    response = admin_client.post("/admin/billing/usageevent/overview/", {"month": f"{today:%Y-%m}"})

    assert response.status_code == 200
    assert response.context["error"] == f"{today:%Y年%m月}的账期须在次月3日宽限期满后关闭"
    assert response.context["error"] in body_of(response)
    assert not Invoice.objects.exists()


@on_calendar_days
def test_closing_a_period_issues_its_invoices_once_its_grace_period_is_over(
    today: date, clock: Clock, wanzhou: District, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    per_unit(wanzhou)
    customer = make_customer()
    contract = make_contract(customer, wanzhou)
    charge(contract, make_key(customer, wanzhou)[0])  # today, in today's month
    month = month_start(today)
    closable = next_month(today) + timedelta(days=settings.BILLING_GRACE_DAYS)
    url, form = "/admin/billing/usageevent/overview/", {"month": f"{month:%Y-%m}"}

    # The operator logs in late on the grace period's last day (Beijing time), then again at
    # half past midnight: 16:30 UTC, still the grace period's last day in UTC.
    clock.move_to(datetime.combine(closable - timedelta(days=1), time(23, 30), tzinfo=BEIJING))
    refused = operator_root().post(url, form)
    clock.move_to(datetime.combine(closable, time(0, 30), tzinfo=BEIJING))
    client = operator_root()
    response = client.post(url, form, follow=True)
    again = client.post(url, form, follow=True)

    assert refused.context["error"] == f"{month:%Y年%m月}的账期须在次月3日宽限期满后关闭"
    invoice = Invoice.objects.get()
    assert invoice.number == f"ZD{month:%Y%m}-{contract.pk:06d}"
    assert response.redirect_chain == [(f"{url}?month={month:%Y-%m}", 302)]
    assert f"{month:%Y年%m月}账期已关闭，出具账单1张：{invoice.number}" in body_of(response)
    assert f"{month:%Y年%m月}账期已关闭，出具账单0张" in body_of(again)


def test_staff_without_billing_permissions_are_refused(
    operator_client: Client, wanzhou: District
) -> None:
    per_unit(wanzhou)
    customer = make_customer()
    event = charge(make_contract(customer, wanzhou), make_key(customer, wanzhou)[0])

    assert operator_client.get("/admin/billing/usageevent/overview/").status_code == 403
    assert operator_client.post(f"/admin/billing/usageevent/{event.pk}/correct/",
                                {"reason": "试图冲正"}).status_code == 403  # fmt: skip
    assert operator_client.get("/admin/billing/apikey/add/").status_code == 403
    assert not UsageEvent.objects.filter(kind=EntryKind.CORRECTION).exists()


def test_the_console_lists_billing_in_chinese(admin_client: Client) -> None:
    body = body_of(admin_client.get("/admin/"))

    for label in ("计费", "增值产品", "产品价格", "客户机构", "客户合同", "接口密钥", "用量流水",
                  "预付充值", "月度账单", "红字凭证"):  # fmt: skip
        assert label in body


def test_columns_fields_and_filters_are_labelled_in_chinese(
    admin_client: Client, ledger: dict[str, Any], kaizhou: District
) -> None:
    event, invoice = ledger["usageevent"], ledger["invoice"]
    per_unit(kaizhou, ProductCode.BASIC_REPORT)
    insurer = make_customer(INSURER, serial=901)
    charge(make_contract(insurer, kaizhou), make_key(insurer, kaizhou)[0], ProductCode.BASIC_REPORT)

    listing = body_of(admin_client.get("/admin/billing/usageevent/"))
    pages = [
        listing,
        body_of(admin_client.get(f"/admin/billing/usageevent/{event.pk}/change/")),
        body_of(admin_client.get(f"/admin/billing/invoice/{invoice.pk}/change/")),
        body_of(admin_client.get(f"/admin/billing/contract/{ledger['contract'].pk}/change/")),
        body_of(admin_client.get("/admin/billing/apikey/")),
    ]

    for title in ("客户机构", "区县", "产品", "账期", "类型"):
        assert f'data-filter-title="{title}"' in listing
    assert "<label>客户机构:</label>" in pages[1]
    assert "<label>冲正对象:</label>" in pages[1]
    assert "<label>PDF 校验值（SHA-256）:</label>" in pages[2]
    assert "<label>签订人:</label>" in pages[3]
    for page in pages:
        for english in ("Customer", "District", "Contract:", "Product:", "Created", "Api key"):
            assert english not in page
