"""信息共享 pages: who sees what, and input errors in Chinese (the exchange itself over HTTP is
tests/exchange/test_journey.py)."""

from __future__ import annotations

from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from tenants.models import District
from tests.conftest import KAIZHOU, WANZHOU, make_staff
from tests.exchange.conftest import accept, admin_of, propose


def _client(user: User) -> Client:
    client = Client(HTTP_HOST=KAIZHOU.domain)
    with schema_context("kaizhou"):
        client.force_login(user)
    return client


def test_roles(kaizhou: District) -> None:
    auditor = _client(make_staff("kaizhou", "auditor@kaizhou.test", StaffRole.AUDITOR))
    clerk = _client(make_staff("kaizhou", "clerk@kaizhou.test", StaffRole.DATA_CLERK))

    assert auditor.get("/console/exchange/").status_code == 200
    assert auditor.get("/console/exchange/log/?verify=1").status_code == 200
    assert auditor.get("/console/exchange/lookup/").status_code == 404
    assert clerk.get("/console/exchange/").status_code == 404
    assert clerk.get("/console/exchange/log/").status_code == 404
    page = clerk.get("/console/exchange/lookup/").content.decode()
    assert "共享查询" in page
    assert "统一社会信用代码" in page


def test_lookup_input_errors_are_chinese(kaizhou: District) -> None:
    clerk = _client(make_staff("kaizhou", "clerk@kaizhou.test", StaffRole.WINDOW_CLERK))

    bad = clerk.post("/console/exchange/lookup/", {"code": "123", "purpose": "administration"})
    none = clerk.post(
        "/console/exchange/lookup/", {"code": "91350100M000100Y43", "purpose": "administration"}
    )

    assert "统一社会信用代码应为18位，实际为3位" in bad.content.decode()
    assert "没有涵盖该用途且在有效期内的共享协议" in none.content.decode()


def test_the_admin_sees_agreements_and_the_intact_chain(
    kaizhou: District, wanzhou: District
) -> None:
    kaizhou_admin = admin_of("kaizhou", KAIZHOU.admin_email)
    wanzhou_admin = admin_of("wanzhou", WANZHOU.admin_email)
    agreement = accept(wanzhou_admin, propose(kaizhou_admin, kaizhou, wanzhou))
    admin = _client(kaizhou_admin)

    home = admin.get("/console/exchange/").content.decode()
    detail = admin.get(f"/console/exchange/agreements/{agreement.pk}/").content.decode()
    log = admin.get("/console/exchange/log/?verify=1").content.decode()

    assert f"#{agreement.pk}" in home
    assert "万州区" in home
    assert "生效中" in home
    assert "N03-02 行政处罚信息" in detail
    assert "CF_NR_FK" not in detail
    assert "撤销协议" in detail
    assert "日志链完整：已校验 0 条。" in log
    assert admin.get("/console/exchange/agreements/999999/").status_code == 404
