"""A clerk's journey in a real browser (issue: data collection): upload a GBK file with broken rows,
read every reason, download the rejected rows, fix them, upload again, find the records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from core.accounts.enums import StaffRole
from core.accounts.services import login_link_redeem
from core.catalog.models import Department
from core.catalog.services import staff_create
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from provisioning.services.lifecycle import district_purge, district_request_deletion
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from tenants.models import District
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty, uscc
from tests.e2e.conftest import console_menu, screenshot

pytestmark = pytest.mark.e2e

WUXI = OnboardingRequest(
    "wuxi", "巫溪县", "信用巫溪", "500238", "wuxi.localhost", "admin@wuxi.example", "巫溪管理员"
)
PASSWORD = "Wuxi-Clerk-2026"
ACTOR = Actor.system("e2e")


@pytest.fixture(scope="module")
def wuxi(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        result = district_onboard(request=WUXI, actor=ACTOR)
        with schema_context("wuxi"):
            admin = login_link_redeem(
                token=result.login_token or "", new_password="Wuxi-Admin-2026"
            )
            department = Department.objects.create(
                code=DEPARTMENT_CODE, name="巫溪县市场监督管理局"
            )
            _, token = staff_create(actor=admin, email="clerk@wuxi.example", full_name="录入员",
                                    role=StaffRole.DATA_CLERK, department_id=department.pk)  # fmt: skip
            login_link_redeem(token=token, new_password=PASSWORD)
        use_public_schema()
    yield
    with django_db_blocker.unblock():
        use_public_schema()
        district = District.objects.get(schema_name="wuxi")
        district_request_deletion(district=district, actor=ACTOR, grace_days=0)
        district_purge(district=District.objects.get(schema_name="wuxi"), actor=ACTOR)


def test_a_clerk_fixes_rejected_rows_and_finds_the_records(
    page: Page, server_port: int, wuxi: None, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    base = f"http://wuxi.localhost:{server_port}"
    rows = [
        penalty(1),
        penalty(2),
        penalty(3, JDRQ="2026-11-31"),
        penalty(4, XDR_SHXYM=uscc(4)[:17] + ("1" if uscc(4)[17] != "1" else "2")),
    ]
    upload = tmp_path / "市场监管局行政处罚.csv"
    upload.write_bytes(as_csv(rows, encoding="gbk"))

    page.goto(f"{base}/console/login/")
    page.get_by_label("电子邮箱").fill("clerk@wuxi.example")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    console_menu(page, "数据归集", "数据上传")
    page.get_by_label("数据文件（CSV或XLSX）").set_input_files(str(upload))
    page.get_by_role("button", name="上传并导入").click()

    expect(page.get_by_test_id("batch-status")).to_have_text("已完成")
    expect(page.get_by_test_id("stored")).to_have_text("2")
    expect(page.get_by_test_id("rejected")).to_have_text("2")
    expect(page.get_by_test_id("problem")).to_have_count(2)
    expect(page.get_by_test_id("problem").first).to_contain_text("日期“2026-11-31”不存在")
    expect(page.get_by_test_id("problem").nth(1)).to_contain_text("统一社会信用代码校验位错误")
    screenshot(page, "console-upload-result")

    with page.expect_download() as download:
        page.get_by_test_id("rejected-file").click()
    rejected = Path(download.value.path()).read_text(encoding="utf-8-sig")
    fixed = rejected.replace("2026-11-31", "2026-11-13").replace(rows[3]["XDR_SHXYM"], uscc(4))
    corrected = tmp_path / "退回行-已改正.csv"
    corrected.write_bytes(fixed.encode("gbk"))

    console_menu(page, "数据归集", "数据上传")
    page.get_by_label("数据文件（CSV或XLSX）").set_input_files(str(corrected))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("stored")).to_have_text("2")
    expect(page.get_by_test_id("rejected")).to_have_text("0")

    console_menu(page, "信用主体", "主体查询")
    page.get_by_label("统一社会信用代码、身份证号码或名称").fill(uscc(3))
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="重庆市万州区第3建设有限公司").click()
    expect(page.get_by_test_id("subject-name")).to_have_text("重庆市万州区第3建设有限公司")
    row = page.get_by_test_id("record-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("2026-11-13 至 2027-11-13")
    expect(row).to_contain_text("公示中")
    screenshot(page, "console-subject")
