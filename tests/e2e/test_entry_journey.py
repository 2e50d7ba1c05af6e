"""A record typed in the staff console, in a real browser (issue: manual entry fits the national
standard): code-table fields are lists in the standard's order, the department is filled in, a
wrong entry shows its problem beside the field, and the corrected entry is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from core.catalog.models import Department
from core.records.fields import PENALTY_CATEGORIES
from core.records.models import Record
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import DEPARTMENT_CODE, decided, uscc
from tests.e2e.conftest import committed_districts, console_login, console_menu, screenshot

pytestmark = pytest.mark.e2e

RONGCHANG = OnboardingRequest(slug="rongchang", name="荣昌区", platform_name="信用荣昌",
                              region_code="500153", domain="rongchang.localhost",
                              admin_email="admin@rongchang.example")  # fmt: skip
PASSWORD = "Rongchang-Admin-2026"
DEPARTMENT = "荣昌区市场监督管理局"


def test_a_penalty_is_typed_with_the_standards_lists(
    page: Page, server_port: int, django_db_blocker: Any, tmp_path: Path
) -> None:
    with committed_districts(django_db_blocker, str(tmp_path), PASSWORD, RONGCHANG):
        with schema_context("rongchang"):
            Department.objects.create(code=DEPARTMENT_CODE, name=DEPARTMENT)
        base = f"http://rongchang.localhost:{server_port}"
        console_login(page, base, RONGCHANG.admin_email, PASSWORD)
        console_menu(page, "数据归集", "录入记录")

        category = page.get_by_label("行政相对人类别")
        expect(category.locator("option")).to_have_text(
            ["请选择", "法人及非法人组织", "自然人", "个体工商户"]
        )
        expect(page.get_by_role("group", name="处罚类别").get_by_role("checkbox")).to_have_count(
            len(PENALTY_CATEGORIES)
        )
        expect(
            page.get_by_role("combobox", name="证件类型", exact=True).locator("option").nth(1)
        ).to_have_text("111 居民身份证")
        source = page.get_by_label("数据来源单位统一社会信用代码")
        expect(source).to_have_value(DEPARTMENT_CODE)
        expect(source).not_to_be_editable()
        expect(page.get_by_role("textbox", name="处罚机关", exact=True)).to_have_value(DEPARTMENT)

        dates = decided()
        category.select_option("法人及非法人组织")
        page.get_by_label("行政相对人名称").fill("荣昌区第1建设有限公司")
        page.get_by_role("textbox", name="统一社会信用代码", exact=True).fill(uscc(1))
        page.get_by_label("违法行为类型").fill("未按规定公示年度报告")
        page.get_by_label("违法事实").fill("经查，当事人未按规定报送年度报告。")
        page.get_by_label("处罚依据").fill("《企业信息公示暂行条例》第十八条")
        page.get_by_label("警告").check()
        page.get_by_label("罚款", exact=True).check()
        page.get_by_label("处罚内容").fill("警告，并处罚款人民币贰仟元整")
        page.get_by_label("处罚决定日期").fill(dates["JDRQ"])
        page.get_by_label("处罚有效期").fill(dates["YXQ"])
        page.get_by_role("button", name="保存").click()

        # No document number and no fine: each problem beside its field, the rest kept.
        expect(page.locator("[data-field=WSH]")).to_have_text("必填项为空")
        expect(page.locator("[data-field=NR_FK]")).to_contain_text("必须填写罚款金额")
        expect(page.get_by_label("行政相对人名称")).to_have_value("荣昌区第1建设有限公司")
        expect(page.get_by_label("罚款", exact=True)).to_be_checked()
        screenshot(page, "console-record-entry")

        page.get_by_label("行政处罚决定书文号").fill("荣昌市监罚〔2026〕1号")
        page.get_by_label("罚款金额(万元)").fill("0.2")
        page.get_by_role("button", name="保存").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("荣昌市监罚〔2026〕1号")
        with django_db_blocker.unblock(), schema_context("rongchang"):
            record = Record.objects.get()
            assert record.fields["CF_CFLB"] == "警告；罚款"
            assert record.fields["CF_SJLY"] == DEPARTMENT
