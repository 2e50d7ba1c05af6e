"""The service-hall window in a real browser (issue: reports, queries, objections, repair): a
company's report as a Chinese PDF whose code checks out on the portal; a person's report refused
without consent; an objection disputed at once and overdue after 20 days; an approved repair that
takes the penalty out of the next report and out of the score."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from core.accounts.enums import StaffRole
from core.accounts.services import login_link_redeem
from core.catalog.models import Department
from core.catalog.services import staff_create
from core.collection.services import batch_create
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty, uscc
from tests.e2e.conftest import committed_districts, console_login, open_subject, screenshot
from tests.support.clock import Clock

pytestmark = pytest.mark.e2e

WULONG = OnboardingRequest(
    "wulong",
    "武隆区",
    "信用武隆",
    "500232",
    "wulong.localhost",
    "admin@wulong.example",
    "武隆管理员",
)
PASSWORD = "Wulong-Window-2026"
FETCH = """async (url) => {
    const response = await fetch(url);
    return [response.headers.get("content-type"), Array.from(new Uint8Array(await response.arrayBuffer()))];
}"""
ACTOR = Actor.system("e2e")


@pytest.fixture(scope="module")
def wulong(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    media = str(tmp_path_factory.mktemp("media"))
    with committed_districts(django_db_blocker, media, "Wulong-Admin-2026", WULONG) as admins:
        admin = admins["wulong"]
        with schema_context("wulong"):
            _, token = staff_create(actor=admin, email="window@wulong.example", full_name="窗口办事员",
                                    role=StaffRole.WINDOW_CLERK, department_id=None)  # fmt: skip
            login_link_redeem(token=token, new_password=PASSWORD)
            _, token = staff_create(actor=admin, email="reviewer@wulong.example", full_name="审核员",
                                    role=StaffRole.REVIEWER, department_id=None)  # fmt: skip
            login_link_redeem(token=token, new_password=PASSWORD)
            department = Department.objects.create(
                code=DEPARTMENT_CODE, name="武隆区市场监督管理局"
            )
            rows = [
                penalty(2, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X", XDR_MC="李四",
                        WSH="武隆市监罚〔2026〕2号"),
                penalty(1, XDR_MC="武隆区第1旅游有限公司", JDRQ="2026-01-10", YXQ="2027-01-10",
                        WSH="武隆市监罚〔2026〕1号"),
            ]  # fmt: skip
            content = as_csv(rows)
            batch_create(actor=ACTOR, department=department, filename="处罚.csv",
                         content=io.BytesIO(content), size=len(content))  # fmt: skip
        use_public_schema()
        yield


def login(page: Page, base: str, email: str) -> None:
    console_login(page, base, email, PASSWORD)


def issue(page: Page, kind: str, name: str, code: str, purpose: str) -> None:
    page.get_by_role("link", name="征信窗口：出具报告、登记授权、查询记录").click()
    form = page.get_by_test_id("issue")
    form.get_by_label("查询人类型").select_option(kind)
    form.get_by_label("查询人姓名或名称").fill(name)
    form.get_by_label("查询人证件号或统一社会信用代码").fill(code)
    form.get_by_label("查询用途").fill(purpose)
    form.get_by_role("button", name="出具报告").click()


def test_the_window_journey(
    page: Page, server_port: int, wulong: None, tmp_path: Path, clock: Clock
) -> None:
    base = f"http://wulong.localhost:{server_port}"
    login(page, base, "window@wulong.example")

    # A company's report as a Chinese PDF, verified on the portal.
    open_subject(page, base, "旅游", "武隆区第1旅游有限公司")
    issue(page, "institution", "重庆银行武隆支行", "91500232MA5U000000", "贷款审查")
    number = page.get_by_test_id("report-number").inner_text()
    code = page.get_by_test_id("report-code").inner_text()
    href = page.get_by_test_id("report-pdf").get_attribute("href") or ""
    # Fetched by the browser itself (its session, its host mapping), through the signed link.
    kind, body = page.evaluate(FETCH, href)
    assert kind == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(body))).pages)
    assert "武隆区第1旅游有限公司" in text
    assert "武隆市监罚〔2026〕1号" in text
    assert number in text
    screenshot(page, "console-report")
    page.goto(f"{base}/reports/verify/")
    page.get_by_label("报告编号").fill(number)
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_test_id("verify-result")).to_contain_text("验证通过")
    expect(page.get_by_test_id("verify-report")).to_contain_text("武隆区第1旅游有限公司")
    screenshot(page, "portal-report-verify")

    # A person's report without consent: refused with the reason, and logged.
    open_subject(page, base, "11010519491231002X", "李四")
    issue(page, "institution", "重庆银行武隆支行", "91500232MA5U000000", "贷款审查")
    expect(page.get_by_role("alert")).to_contain_text(
        "查询自然人的信用信息须取得本人书面授权并说明用途"
    )
    expect(page.get_by_test_id("queries")).to_contain_text("拒绝")

    # An objection: disputed at once; overdue after 20 days.
    open_subject(page, base, "旅游", "武隆区第1旅游有限公司")
    page.get_by_role("link", name="武隆市监罚〔2026〕1号").first.click()
    page.get_by_role("link", name="登记异议").click()
    page.get_by_label("申请人（经办人）姓名").fill("王五")
    page.get_by_label("联系电话").fill("13800000000")
    page.get_by_label("异议事项和理由").fill("罚款已于作出决定当日缴清，请核实记录。")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("objection-status")).to_have_text("处理中")
    page.get_by_role("link", name="武隆市监罚〔2026〕1号").click()
    expect(page.get_by_test_id("record-state")).to_have_text("异议处理中")
    # Three weeks later the clerk signs in again (yesterday's session has ended) and finds it
    # overdue; then the clock goes back to today, that session still open.
    clock.move_to(timezone.now() + timedelta(days=21))
    login(page, base, "window@wulong.example")
    page.goto(f"{base}/console/remedies/?overdue=1")
    expect(page.get_by_test_id("overdue")).to_have_count(1)
    clock.stop()

    # Repair at the window, approved by a reviewer: out of the next report and out of the score.
    page.get_by_test_id("objections").get_by_role("link").first.click()
    page.get_by_role("link", name="武隆市监罚〔2026〕1号").click()
    page.get_by_role("link", name="受理信用修复申请").click()
    commitment, proof = tmp_path / "承诺书.pdf", tmp_path / "缴款凭证.pdf"
    for document in (commitment, proof):
        document.write_bytes(b"%PDF-1.4\n% signed\n")
    page.get_by_label("申请人（经办人）姓名").fill("王五")
    page.get_by_label("联系电话").fill("13800000000")
    page.get_by_label("整改情况说明").fill("已缴清罚款，整改完毕。")
    page.get_by_label("信用修复承诺书（PDF或图片）").set_input_files(str(commitment))
    page.get_by_label("已纠正失信行为、履行法定义务的证明材料（PDF或图片）").set_input_files(
        str(proof)
    )
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("repair-status")).to_have_text("待审核")
    page.get_by_role("button", name="退出").click()
    login(page, base, "reviewer@wulong.example")
    page.goto(f"{base}/console/remedies/")
    page.get_by_test_id("repairs").get_by_role("link").first.click()
    page.get_by_role("button", name="准予修复").click()
    open_subject(page, base, "旅游", "武隆区第1旅游有限公司")
    expect(page.get_by_test_id("score-total")).to_have_text("800")
    issue(page, "self", "武隆区第1旅游有限公司法定代表人", uscc(1), "自查")
    expect(page.get_by_test_id("report")).not_to_contain_text("武隆市监罚〔2026〕1号")
