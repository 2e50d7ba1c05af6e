"""Issue 22's journey, done as its users would in a real browser, end to end:

the operator onboards 奉节县 in the operator console, adds a second domain without changing the
primary one and themes the district's portal; 奉节县's admin signs in with the one-time link and
proposes an exchange agreement to a provider district, choosing items and fields by their Chinese
names (and 全选 for a whole item); the provider's admin reads the scope in Chinese and accepts
(the accept button needs no reason); a clerk of 奉节县 looks a company of the provider up and sees
the shared records, without the field the agreement left out.

The exchange runs as in the demo: the provider's domain is `*.localhost` and the default provider
URL is https, so the consumer reaches it over plain HTTP on this machine's port
(exchange/transport.py), without EXCHANGE_CONNECT_ADDRESS. Both districts are committed (the live
server cannot see a test transaction) and purged afterwards; the baseline 万州区 and 开州区 are
shared by the whole run (and the demo, which the i18n crawler sets up, holds 云阳县), so the
provider here is 铜梁区 standing in for 万州区."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.content.models import Theme
from exchange.models import Agreement, DistrictPublicKey
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District, Domain, PlatformAuditEntry
from tests.conftest import make_staff
from tests.core.collection.files import as_csv, penalty, uscc
from tests.e2e.conftest import committed_districts, console_login, operator_login, purge_district

pytestmark = pytest.mark.e2e

PROVIDER = OnboardingRequest("tongliang", "铜梁区", "信用铜梁", "500151", "tongliang.localhost",
                             "admin@tongliang.test", "铜梁管理员")  # fmt: skip
# Not `fengjie`: the operator API's tests onboard that slug in a transaction, and a purged slug
# stays taken for the rest of the run.
FENGJIE = {"slug": "fengjiexian", "name": "奉节县", "platform_name": "信用奉节",
           "region_code": "500236", "domain": "fengjiexian.localhost",
           "admin_email": "admin@fengjie.test", "admin_name": "奉节管理员"}  # fmt: skip
DEPARTMENT = uscc(7654330, head="11500151")
COMPANY = uscc(41, head="91500151")
PASSWORD = "Admin-Pass-2026"
CHOSEN = ["行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "处罚类别", "处罚内容",
          "处罚决定日期"]  # fmt: skip


@pytest.fixture
def provider(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, server_port: int, settings: Any
) -> Iterator[dict[str, Any]]:
    """铜梁区 onboarded and committed with two penalties of one company; the exchange configured
    as the demo's (no connect address, the https default, `.localhost` served locally)."""
    settings.EXCHANGE_PROVIDER_URL = "https://{domain}/exchange/graphql/"
    settings.EXCHANGE_CONNECT_ADDRESS = ""
    settings.EXCHANGE_LOCAL_DOMAINS = True
    settings.EXCHANGE_LOCAL_PORT = server_port
    with committed_districts(django_db_blocker, str(tmp_path), PASSWORD, PROVIDER):
        try:
            decided = timezone.localdate() - timedelta(days=10)
            until = (decided + timedelta(days=365)).isoformat()
            with schema_context(PROVIDER.slug):
                department = Department.objects.create(code=DEPARTMENT, name="铜梁区市场监督管理局")
                CatalogSupply.objects.create(
                    item=CatalogItem.objects.get(code="N03-02"), department=department
                )
                rows = [
                    penalty(1, XDR_MC="铜梁甲建材有限公司", XDR_SHXYM=COMPANY, WSH="铜梁市监罚〔2026〕1号",
                            CFJGDM=DEPARTMENT, SJLYDM=DEPARTMENT, NR_FK="0.2",
                            JDRQ=decided.isoformat(), YXQ=until),
                    penalty(2, XDR_MC="铜梁甲建材有限公司", XDR_SHXYM=COMPANY, WSH="铜梁市监罚〔2026〕2号",
                            CFJGDM=DEPARTMENT, SJLYDM=DEPARTMENT, NR_FK="1.5", CFLB="罚款",
                            JDRQ=decided.isoformat(), YXQ=until),
                ]  # fmt: skip
                content = as_csv(rows)
                batch = batch_create(actor=Actor.system("tests"), department=department,
                                     filename="处罚.csv", content=io.BytesIO(content),
                                     size=len(content))  # fmt: skip
                assert batch_ingest(batch_id=batch.pk).stored == 2
            yield {"port": server_port}
        finally:
            districts = District.objects.filter(schema_name__in=[PROVIDER.slug, FENGJIE["slug"]])
            Agreement.objects.filter(provider__in=districts).delete()
            DistrictPublicKey.objects.filter(district__in=districts).delete()
            if District.objects.filter(schema_name=FENGJIE["slug"]).exists():
                purge_district(FENGJIE["slug"])


def test_onboard_theme_agree_and_look_up(provider: dict[str, Any], page: Page) -> None:
    port = provider["port"]
    operator = User.objects.filter(email="ops-journey@operator.test").first()
    operator = operator or User.objects.create_superuser(
        "ops-journey@operator.test", "Operator-Pass-2026"
    )

    # The operator onboards 奉节县.
    operator_console = operator_login(page, port, "ops-journey@operator.test", "Operator-Pass-2026")
    page.goto(f"{operator_console}/tenants/district/onboard/")
    for field, value in FENGJIE.items():
        page.fill(f"#id_{field}", value)
    page.locator("input[type=submit]").click()
    success = page.locator(".messagelist .success")
    expect(success).to_contain_text("奉节县已开通")
    found = re.search(r"http://\S+/console/first-login/\S+/", success.inner_text())
    assert found is not None
    first_login = found.group(0)
    assert first_login.startswith(f"http://fengjiexian.localhost:{port}/console/first-login/")
    fengjie = District.objects.get(schema_name="fengjiexian")

    # A second domain; the primary one stays.
    page.goto(f"{operator_console}/tenants/district/{fengjie.pk}/change/")
    page.locator(".add-row a").click()
    page.fill('input[name="domains-1-domain"]', "credit.fengjie.gov.cn")
    expect(page.locator('input[name="domains-1-is_primary"]')).not_to_be_checked()
    page.locator('input[name="_continue"]').click()
    expect(page.locator(".messagelist")).to_contain_text("奉节县")
    domains = dict(Domain.objects.filter(tenant=fengjie).values_list("domain", "is_primary"))
    assert domains == {"fengjiexian.localhost": True, "credit.fengjie.gov.cn": False}

    # The operator themes the portal: colour, banner, host units.
    page.goto(f"{operator_console}/tenants/district/{fengjie.pk}/theme/")
    expect(page.locator("h1")).to_have_text("奉节县：门户主题")
    page.locator("#id_primary_colour").fill("#1d4f91")
    page.get_by_label("横幅标语").fill("诚信奉节 守信受益")
    page.get_by_label("主办单位").fill("奉节县发展和改革委员会")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messagelist")).to_contain_text("奉节县：已保存门户主题")
    with schema_context("fengjiexian"):
        theme = Theme.objects.get()
    assert (theme.primary_colour, theme.host_unit) == ("#1d4f91", "奉节县发展和改革委员会")
    assert PlatformAuditEntry.objects.filter(
        action="district.theme_update", district_schema="fengjiexian", actor_user_id=operator.pk
    ).exists()
    portal = f"http://fengjiexian.localhost:{port}"
    page.goto(f"{portal}/")
    expect(page.locator("footer")).to_contain_text("主办单位：奉节县发展和改革委员会")
    expect(page.locator("body")).to_contain_text("诚信奉节 守信受益")
    primary = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()"
    )
    assert primary == "#1d4f91"

    # 奉节县's admin signs in with the one-time link and proposes an agreement to 铜梁区.
    page.goto(first_login)
    page.get_by_label("新密码", exact=True).fill("Fengjie-Credit-2026")
    page.get_by_label("再次输入新密码").fill("Fengjie-Credit-2026")
    page.get_by_role("button", name="设置密码并登录").click()
    expect(page.get_by_role("heading", name="奉节县 · 概览")).to_be_visible()
    page.goto(f"{portal}/console/exchange/")
    page.get_by_label("提供方区县").select_option(label="铜梁区")
    page.get_by_role("button", name="选择").click()
    page.get_by_label("共享依据（法律法规或文件名称及条款）").fill(
        "《重庆市社会信用条例》第二十六条"
    )
    page.get_by_label("行政管理").check()
    today = timezone.localdate()
    page.get_by_label("生效日期").fill(today.isoformat())
    page.get_by_label("截止日期").fill((today + timedelta(days=365)).isoformat())
    penalties = page.get_by_test_id("scope-N03-02")
    expect(penalties.locator("summary")).to_contain_text("行政处罚信息")
    penalties.locator("summary").click()
    for label in CHOSEN:
        penalties.get_by_label(label, exact=True).check()
    expect(penalties.locator("[data-count]")).to_have_text(str(len(CHOSEN)))
    expect(penalties.get_by_label("罚款金额(万元)", exact=True)).not_to_be_checked()
    # 全选 ticks every field of an item at once.
    licences = page.get_by_test_id("scope-N03-01")
    licences.locator("summary").click()
    licences.locator("input[data-select-all]").check()
    boxes = licences.locator('input[type=checkbox][name="scope_N03-01"]')
    licence_fields = boxes.count()
    assert licence_fields > 10
    assert all(boxes.nth(i).is_checked() for i in range(licence_fields))
    page.get_by_role("button", name="提出共享协议").click()
    expect(page.get_by_test_id("status")).to_have_text("待对方确认")
    agreement = Agreement.objects.get(consumer=fengjie)
    proposed = {item.item_code: list(item.fields) for item in agreement.items.all()}
    assert proposed["N03-02"] == [
        "CF_XDR_MC", "CF_XDR_SHXYM", "CF_WSH", "CF_CFLB", "CF_NR", "CF_JDRQ",
    ]  # fmt: skip
    assert len(proposed["N03-01"]) == licence_fields

    # 铜梁区's admin reads the scope by name and accepts without giving a reason.
    tongliang = f"http://tongliang.localhost:{port}"
    page.context.clear_cookies()
    console_login(page, tongliang, PROVIDER.admin_email, PASSWORD)
    page.goto(f"{tongliang}/console/exchange/agreements/{agreement.pk}/")
    scope = page.get_by_test_id("scope")
    expect(scope).to_contain_text("行政处罚信息")
    expect(scope).to_contain_text("、".join(CHOSEN))
    expect(scope).not_to_contain_text("CF_")
    page.get_by_test_id("accept-form").get_by_role("button", name="接受").click()
    expect(page.get_by_test_id("status")).to_have_text("生效中")

    # A clerk of 奉节县 looks the company up and sees 铜梁区's records, without the fine.
    make_staff("fengjiexian", "clerk@fengjie.test", StaffRole.WINDOW_CLERK)
    page.context.clear_cookies()
    console_login(page, portal, "clerk@fengjie.test", "Staff-Pass-2026")
    page.goto(f"{portal}/console/exchange/lookup/")
    page.get_by_label("统一社会信用代码").fill(COMPANY)
    page.get_by_label("查询用途").select_option(label="行政管理")
    page.get_by_role("button", name="查询").click()
    result = page.get_by_test_id("shared-result")
    expect(result.get_by_test_id("source")).to_have_text(
        f"来源：信用铜梁（共享协议 #{agreement.pk}）"
    )
    records = page.get_by_test_id("shared-record")
    expect(records).to_have_count(2)
    expect(records.first).to_contain_text("铜梁甲建材有限公司")
    expect(page.get_by_test_id("shared")).to_contain_text("铜梁市监罚〔2026〕1号")
    expect(page.get_by_test_id("shared")).not_to_contain_text("罚款金额")
    expect(page.get_by_role("alert")).to_have_count(0)
