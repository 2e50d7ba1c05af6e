"""Issue 23's journey in a real browser: a clerk of 财政局 checks three companies before a subsidy
(one on the serious-dishonesty list, one on the red list, one with nothing); the result names the
measures with their legal basis; the clerk records 不予补助 for the first and 优先办理 for the
second; the 核查报告 verifies on the portal (and a doctored copy does not); 分类统计 and the
portal's 联合奖惩 page count the cases; the subject's own report lists the check.

北碚区 is onboarded (committed) for it and purged afterwards: the live server cannot see a test
transaction, and the baseline districts are shared by the whole run."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from core.accounts.enums import StaffRole
from core.accounts.services import login_link_redeem
from core.catalog.models import Department
from core.catalog.services import staff_create
from core.collection.services import batch_create
from core.common.actors import Actor
from core.discipline.enums import MatterCategory
from core.discipline.services import matter_register
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import as_record_csv, listing, uscc
from tests.e2e.conftest import committed_districts, console_login, console_menu, open_subject

pytestmark = pytest.mark.e2e

BEIBEI = OnboardingRequest("beibei", "北碚区", "信用北碚", "500109", "beibei.localhost",
                           "admin@beibei.example", "北碚管理员")  # fmt: skip
PASSWORD = "Beibei-Credit-2026"
MARKET = uscc(7654101, head="11500109")
FINANCE = uscc(7654102, head="11500109")
BLACK, RED, CLEAN = (uscc(n, head="91500109") for n in (1, 2, 3))
NAMES = {BLACK: "重庆市北碚区第1建设有限公司", RED: "重庆市北碚区第2建设有限公司",
         CLEAN: "重庆市北碚区第3建设有限公司"}  # fmt: skip
MATTER = "中小企业发展专项资金补助"
MARKET_NAME = "重庆市北碚区市场监督管理局"
FETCH = """async (url) => {
    const response = await fetch(url);
    return [response.headers.get("content-type"), Array.from(new Uint8Array(await response.arrayBuffer()))];
}"""


@pytest.fixture
def beibei(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, server_port: int
) -> Iterator[int]:
    with committed_districts(django_db_blocker, str(tmp_path), PASSWORD, BEIBEI) as admins:
        actor = Actor.system("e2e")
        with schema_context("beibei"):
            market = Department.objects.create(code=MARKET, name=MARKET_NAME)
            finance = Department.objects.create(code=FINANCE, name="重庆市北碚区财政局")
            lists = as_record_csv([
                listing(1, XDR_MC=NAMES[BLACK], XDR_SHXYM=BLACK, JGDM=MARKET, SJLYDM=MARKET, JG=MARKET_NAME, SJLY=MARKET_NAME,
                        WSH="北碚发改认〔2026〕1号"),
                listing(2, XDR_MC=NAMES[RED], XDR_SHXYM=RED, JGDM=MARKET, SJLYDM=MARKET, JG=MARKET_NAME, SJLY=MARKET_NAME,
                        LX="守信激励", NR="2025年度守合同重信用企业", YXQZI="2028-06-01",
                        WSH="北碚发改认〔2026〕2号"),
                # A commitment is on record, but nothing a check looks for.
                listing(3, XDR_MC=NAMES[CLEAN], XDR_SHXYM=CLEAN, JGDM=MARKET, SJLYDM=MARKET, JG=MARKET_NAME, SJLY=MARKET_NAME,
                        LX="信用承诺", NR="依法诚信经营承诺", WSH="北碚承诺〔2026〕3号"),
            ])  # fmt: skip
            for name, content in (("名单.csv", lists),):
                batch_create(actor=actor, department=market, filename=name,
                             content=io.BytesIO(content), size=len(content))  # fmt: skip
            matter_register(actor=actor, department=finance, name=MATTER,
                            category=MatterCategory.SUBSIDY, feedback_days=5,
                            legal_basis="《重庆市社会信用条例》第三十二条")  # fmt: skip
            admin = admins["beibei"]
            for email, name, role, department in (
                ("clerk@beibei.example", "财政局办事员", StaffRole.DATA_CLERK, finance.pk),
                ("window@beibei.example", "窗口办事员", StaffRole.WINDOW_CLERK, None),
            ):
                _, token = staff_create(actor=admin, email=email, full_name=name, role=role,
                                        department_id=department)  # fmt: skip
                login_link_redeem(token=token, new_password=PASSWORD)
        yield server_port


def test_a_subsidy_check_with_feedback_verification_and_figures(
    beibei: int, page: Page, tmp_path: Path
) -> None:
    base = f"http://beibei.localhost:{beibei}"
    console_login(page, base, "clerk@beibei.example", PASSWORD)
    console_menu(page, "信用服务", "信用核查")
    page.get_by_label("核查事项").select_option(label=f"重庆市北碚区财政局：{MATTER}")
    page.get_by_label("统一社会信用代码、身份证号码或主体名称（每行一个）").fill(
        "\n".join([BLACK, RED, CLEAN])
    )
    page.get_by_role("button", name="开始核查").click()

    expect(page.get_by_test_id("counts")).to_have_text("名单3条，已核查主体3个，其中有相关信息2个")
    expect(page.get_by_test_id("row-1")).to_contain_text("有相关信息")
    expect(page.get_by_test_id("row-3")).to_contain_text("未发现相关信息")
    expect(page.get_by_test_id("findings-1")).to_contain_text("严重失信主体名单")
    expect(page.get_by_test_id("findings-1")).to_contain_text("北碚发改认〔2026〕1号")
    punishments = page.get_by_test_id("measures-1")
    expect(punishments).to_contain_text("限制获得财政资金支持和政策性优惠")
    expect(punishments).to_contain_text("相关法规和国务院政策文件")
    incentives = page.get_by_test_id("measures-2")
    expect(incentives).to_contain_text("在财政资金补助、政策性扶持中同等条件下优先")
    expect(incentives).to_contain_text("国发〔2016〕33号")
    number = page.get_by_test_id("number").inner_text()
    code = page.get_by_test_id("code").inner_text()

    for position, outcome, measure in ((1, "不予补助", "限制获得财政资金支持和政策性优惠"),
                                       (2, "优先办理", "在财政资金补助、政策性扶持中同等条件下优先")):  # fmt: skip
        form = page.get_by_test_id(f"feedback-form-{position}")
        form.get_by_label("是").check()
        form.locator("select").select_option(label=outcome)
        form.get_by_label(measure).check()
        form.get_by_role("button", name="提交反馈").click()
        expect(page.get_by_test_id(f"feedback-{position}")).to_contain_text(f"已反馈：{outcome}")

    # The 核查报告: the browser's own download, verified on the portal; a changed copy is not.
    kind, body = page.evaluate(FETCH, f"{base}/console/discipline/checks/{number}/report.pdf")
    assert kind == "application/pdf"
    pdf = bytes(body)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (number, code, "信用核查报告", MATTER, NAMES[BLACK], "严重失信主体名单",
                     "限制获得财政资金支持和政策性优惠"):  # fmt: skip
        assert expected in text
    verify = f"{base}/reports/verify/"
    for content, answer in ((pdf, "一致"), (pdf + b"\n% changed\n", "不一致")):
        page.goto(verify)
        page.get_by_label("报告编号或核查编号").fill(number)
        page.get_by_label("验证码").fill(code)
        upload = tmp_path / "核查报告.pdf"
        upload.write_bytes(content)
        page.set_input_files("#pdf", files=str(upload))
        page.get_by_role("button", name="验证").click()
        expect(page.get_by_test_id("verify-check")).to_contain_text("重庆市北碚区财政局")
        expect(page.get_by_test_id("verify-pdf")).to_contain_text(f"与平台存档{answer}")

    # 分类统计 and the portal count the two cases.
    page.goto(f"{base}/console/stats/")
    expect(page.get_by_test_id("discipline-totals")).to_contain_text("合计")
    totals = page.get_by_test_id("discipline-totals").locator("td").all_inner_texts()
    assert totals == ["1", "3", "2", "1", "1"]
    page.goto(f"{base}/joint-punishment/")
    counts = page.get_by_test_id("discipline-counts")
    assert counts.locator("dd").all_inner_texts() == ["1", "3", "2", "1", "1"]

    # The subject's own report lists the check among those who queried it.
    page.context.clear_cookies()
    console_login(page, base, "window@beibei.example", PASSWORD)
    open_subject(page, base, BLACK, NAMES[BLACK])
    page.get_by_role("link", name="征信窗口：出具报告、登记授权、查询记录").click()
    form = page.get_by_test_id("issue")
    form.get_by_label("查询人类型").select_option("self")
    form.get_by_label("查询人姓名或名称").fill(NAMES[BLACK])
    form.get_by_label("查询人证件号或统一社会信用代码").fill(BLACK)
    form.get_by_label("查询用途").fill("了解本企业信用状况")
    form.get_by_role("button", name="出具报告").click()
    href = page.get_by_test_id("report-pdf").get_attribute("href") or ""
    _, own = page.evaluate(FETCH, href)
    own_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(own))).pages)
    queried = own_text[own_text.index("被查询记录") : own_text.index("授权记录")].replace("\n", "")
    assert f"重庆市北碚区财政局政府部门信用核查：{MATTER}" in queried
