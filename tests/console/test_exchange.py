"""信息共享 pages: who sees what, and input errors in Chinese (the exchange itself over HTTP is
tests/exchange/test_journey.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from exchange.models import Agreement
from exchange.scope import shareable_fields
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


def _admin_client(schema: str, email: str, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    with schema_context(schema):
        client.force_login(admin_of(schema, email))
    return client


def test_the_provider_accepts_without_a_reason(kaizhou: District, wanzhou: District) -> None:
    agreement = propose(admin_of("kaizhou", KAIZHOU.admin_email), kaizhou, wanzhou)
    provider = _admin_client("wanzhou", WANZHOU.admin_email, WANZHOU.domain)
    url = f"/console/exchange/agreements/{agreement.pk}/"

    page = provider.get(url).content.decode()
    accepted = provider.post(url, {"accept": "1"})

    # 接受 and 拒绝 are two forms: the reason the decline requires is not in the accept form.
    accept_form = page[
        page.index('data-testid="accept-form"') : page.index(
            "</form>", page.index('data-testid="accept-form"')
        )
    ]
    assert "required" not in accept_form
    assert "reason" not in accept_form
    assert "罚款金额(万元)" not in page  # the scope by Chinese names
    assert "违法事实" in page
    assert "CF_WFXW" not in page
    assert accepted.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "accepted"


def test_a_decline_needs_its_reason(kaizhou: District, wanzhou: District) -> None:
    agreement = propose(admin_of("kaizhou", KAIZHOU.admin_email), kaizhou, wanzhou)
    provider = _admin_client("wanzhou", WANZHOU.admin_email, WANZHOU.domain)
    url = f"/console/exchange/agreements/{agreement.pk}/"

    refused = provider.post(url, {"decline": "1", "reason": "  "})
    agreement.refresh_from_db()
    status_after_refusal = agreement.status
    declined = provider.post(url, {"decline": "1", "reason": "依据不足"})

    assert refused.status_code == 200
    assert "请填写拒绝原因后再点“拒绝”" in refused.content.decode()
    assert status_after_refusal == "proposed"
    assert declined.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.status, agreement.decline_reason) == ("declined", "依据不足")


def test_the_proposal_form_shows_fields_by_chinese_name(
    kaizhou: District, wanzhou: District
) -> None:
    admin = _admin_client("kaizhou", KAIZHOU.admin_email, KAIZHOU.domain)

    page = admin.get(f"/console/exchange/?provider={wanzhou.pk}").content.decode()

    assert "行政处罚信息" in page
    assert "罚款金额(万元)" in page
    assert "违法事实" in page
    assert "全选" in page
    assert 'name="all_N03-02"' in page
    assert "法定代表人证件号码（已封存）" in page
    assert '<details class="scope-item"' in page
    # Codes only as form values or inside <code>: never as text a reader sees.
    text = re.sub(r"<code>.*?</code>", "", re.sub(r'"[^"]*"', '""', page), flags=re.S)
    assert not re.search(r"\b(CF|XK|JL)_[A-Z_]+", text)


def test_a_proposal_with_select_all_takes_every_field(kaizhou: District, wanzhou: District) -> None:
    admin = _admin_client("kaizhou", KAIZHOU.admin_email, KAIZHOU.domain)
    today = timezone.localdate()

    missing = admin.post(f"/console/exchange/?provider={wanzhou.pk}", {"propose": "1"})
    posted = admin.post(f"/console/exchange/?provider={wanzhou.pk}", {
        "legal_basis": "《重庆市社会信用条例》第二十六条", "purposes": ["administration"],
        "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=365)).isoformat(),
        "all_N03-02": "1", "propose": "1",
    })  # fmt: skip

    page = missing.content.decode()
    assert "请填写共享依据（法律法规或文件名称及条款）" in page
    assert "请至少选择一项共享用途" in page
    assert posted.status_code == 302
    agreement = Agreement.objects.get(consumer=kaizhou)
    assert agreement.items.get().fields == list(shareable_fields("N03-02"))
