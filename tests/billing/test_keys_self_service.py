"""Institutions manage their own API keys on /institution/keys/ within the limits the operator set
for the customer (billing/services/keys.py `key_limits_check`): how many active keys, products and
districts of their contracts, a rate ceiling, an expiry no later than the contract's end. The
secret is shown once; every step is in the platform audit log."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import ApiKey, Contract, Customer
from billing.services.keys import (
    KeyScope,
    institution_key_authenticate,
    institution_key_issue,
    key_hash,
    key_limits_check,
    key_limits_set,
)
from core.accounts.models import User
from core.common.errors import PermissionDenied, ValidationFailed
from tenants.models import PlatformAuditEntry
from tests.billing.conftest import OPS, Sale
from tests.billing.test_institution_pages import member, signed_in

SECRET = re.compile(r'data-testid="secret">(ck_[A-Za-z0-9_\-]+)<')


def _form(**overrides: object) -> dict[str, object]:
    return {
        "name": "贷后管理系统", "districts": ["wanzhou"], "products": ["basic_report"],
        "expires_on": "2027-06-30", "allowed_ips": "", "rate_per_minute": 60,
    } | overrides  # fmt: skip


def _limits(customer: Customer, max_keys: int = 3, rate_ceiling: int = 100) -> None:
    with schema_context("public"):
        key_limits_set(actor=OPS, customer=customer, max_keys=max_keys, rate_ceiling=rate_ceiling)


@pytest.fixture
def institution(sale: Sale) -> Client:
    with schema_context("public"):  # the session lives in the public schema
        return signed_in(member(sale.customer, "risk@bank.test"))


def _issue(client: Client, **overrides: object) -> str:
    response = client.post("/institution/keys/", _form(**overrides))
    assert response.status_code == 200
    return response.content.decode()


def _scope(**overrides: object) -> KeyScope:
    values: dict[str, object] = {
        "name": "系统", "products": ["basic_report"], "districts": ["wanzhou"],
        "expires_at": timezone.now() + timedelta(days=30), "allowed_ips": [], "rate_per_minute": 60,
    } | overrides  # fmt: skip
    return KeyScope(**values)  # type: ignore[arg-type]


def test_off_until_the_operator_sets_limits(sale: Sale, institution: Client) -> None:
    page = institution.get("/institution/keys/").content.decode()
    assert "运营方尚未允许贵机构自助管理接口密钥，请联系运营方" in page
    assert sale.key.prefix in page  # the operator's key is listed all the same
    institution.post("/institution/keys/", _form())
    with schema_context("public"):
        assert ApiKey.objects.filter(customer=sale.customer).count() == 1
        with pytest.raises(PermissionDenied) as refused:
            key_limits_check(sale.customer, _scope())
    assert refused.value.code == "SELF_SERVICE_DISABLED"


def test_operator_sets_the_limits_in_the_console(sale: Sale) -> None:
    with schema_context("public"):  # the session lives in the public schema
        root = User.objects.create_superuser("root@operator.test", "Root-Pass-2026")
        operator_client = signed_in(root)
    url = f"/admin/billing/customer/{sale.customer.pk}/key-limits/"
    assert "自助密钥数量上限" in operator_client.get(url).content.decode()
    response = operator_client.post(url, {"max_keys": 2, "rate_ceiling": 120})
    assert response.status_code == 302
    with schema_context("public"):
        sale.customer.refresh_from_db()
        assert (sale.customer.keys_self_service_max, sale.customer.keys_rate_ceiling) == (2, 120)
        entry = PlatformAuditEntry.objects.get(action="billing.key_limits_set")
        assert entry.details == {"customer": sale.customer.pk, "max_keys": 2, "rate_ceiling": 120}
    page = operator_client.get(f"/admin/billing/customer/{sale.customer.pk}/change/")
    assert "有效密钥至多2个，每分钟调用上限不超过120次" in page.content.decode()


def test_issue_shows_the_secret_once_and_the_key_works(sale: Sale, institution: Client) -> None:
    _limits(sale.customer)
    page = _issue(institution)
    found = SECRET.search(page)
    assert found is not None
    secret = found.group(1)
    with schema_context("public"):
        key = ApiKey.objects.get(key_hash=key_hash(secret))
        assert key.self_service
        assert key.customer_id == sale.customer.pk
        assert key.products == ["basic_report"]
        assert key.districts == ["wanzhou"]
        assert timezone.localtime(key.expires_at).date() == date(2027, 6, 30)
        assert institution_key_authenticate(secret, address="203.0.113.9", sandbox=False) == key
        entry = PlatformAuditEntry.objects.get(action="billing.key_issue",
                                               details__key=key.prefix)  # fmt: skip
        assert entry.actor_label == "risk@bank.test"
        assert entry.details["self_service"] is True
    listing = institution.get("/institution/keys/").content.decode()
    assert secret not in listing
    assert f"{key.prefix}…" in listing


def test_no_more_active_keys_than_allowed(sale: Sale, institution: Client) -> None:
    _limits(sale.customer, max_keys=2)  # the operator's key counts: one more is allowed
    assert SECRET.search(_issue(institution))
    page = _issue(institution, name="第三个")
    assert "贵机构的有效密钥已达运营方设定的上限2个，请先吊销不再使用的密钥" in page
    with schema_context("public"):
        assert ApiKey.objects.filter(customer=sale.customer).count() == 2


def test_products_districts_rate_and_expiry_within_the_contract(
    sale: Sale, institution: Client, kaizhou: object
) -> None:
    _limits(sale.customer, rate_ceiling=100)
    with schema_context("public"):
        Contract.objects.filter(pk=sale.contract.pk).update(
            products=["basic_report", "score_query"], valid_until=date(2027, 3, 31)
        )
    page = _issue(institution, products=["basic_report", "full_report"])
    assert "万州区的合同不包括：完整版信用报告" in page
    page = _issue(institution, rate_per_minute=101)
    assert "每分钟调用上限不能超过运营方设定的100次" in page
    page = _issue(institution, expires_on="2027-04-01")
    assert "有效期不能晚于万州区合同的截止日期2027-03-31" in page
    page = _issue(institution, districts=["kaizhou"])  # not a choice: no contract there
    assert "kaizhou" in page
    assert not SECRET.search(page)
    with schema_context("public"):
        sale.customer.refresh_from_db()
        with pytest.raises(ValidationFailed, match="^贵机构在开州区没有有效合同$"):
            key_limits_check(sale.customer, _scope(districts=["kaizhou"]))
        assert ApiKey.objects.filter(customer=sale.customer).count() == 1
    page = _issue(institution, products=["basic_report", "score_query"], expires_on="2027-03-31",
                  rate_per_minute=100)  # fmt: skip
    assert SECRET.search(page)


def test_rotate_and_revoke_own_keys_only(sale: Sale, institution: Client) -> None:
    _limits(sale.customer, max_keys=2)
    secret = SECRET.search(_issue(institution))
    assert secret is not None
    with schema_context("public"):
        key = ApiKey.objects.get(key_hash=key_hash(secret.group(1)))
    # At the limit (2 active keys) a rotation is allowed: the key it replaces is not counted.
    page = institution.post(f"/institution/keys/{key.pk}/rotate/").content.decode()
    new_secret = SECRET.search(page)
    assert new_secret is not None
    assert "密钥已轮换" in page
    with schema_context("public"):
        new = ApiKey.objects.get(key_hash=key_hash(new_secret.group(1)))
        assert new.rotated_from_id == key.pk
        assert new.self_service
        key.refresh_from_db()
        assert key.expires_at <= timezone.now() + timedelta(hours=24)
        assert PlatformAuditEntry.objects.filter(action="billing.key_rotate",
                                                 details__new=new.prefix).exists()  # fmt: skip
    response = institution.post(f"/institution/keys/{new.pk}/revoke/", {"reason": "系统下线"})
    assert response.status_code == 302
    with schema_context("public"):
        new.refresh_from_db()
        assert new.revoked_at is not None
        entry = PlatformAuditEntry.objects.get(action="billing.key_revoke", details__key=new.prefix)
        assert entry.details["reason"] == "系统下线"
    # Another customer's key is not found, whatever the login tries.
    with schema_context("public"):
        other = Customer.objects.create(name="重庆某保险股份有限公司", uscc="91500000MA5U8NB00X",
                                        contact_email="x@insurer.test", webhook_secret="s")  # fmt: skip
        _, _ = institution_key_issue(
            actor=OPS, customer=other, scope=_scope(products=["score_query"])
        )
        theirs = ApiKey.objects.get(customer=other)
    assert (
        institution.post(f"/institution/keys/{theirs.pk}/revoke/", {"reason": "x"}).status_code
        == 404
    )
    assert institution.post(f"/institution/keys/{theirs.pk}/rotate/").status_code == 404
    with schema_context("public"):
        theirs.refresh_from_db()
        assert theirs.revoked_at is None


def test_not_for_staff_or_strangers(sale: Sale) -> None:
    client = Client(HTTP_HOST="localhost")
    assert client.get("/institution/keys/").status_code == 302
    with schema_context("public"):
        stranger = User.objects.create_user("nobody@x.test", "Some-Pass-2026")
        client = signed_in(stranger)
    assert client.get("/institution/keys/").status_code == 403
