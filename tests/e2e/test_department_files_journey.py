"""Department files as they really are (issue 20), in a real browser: a clerk uploads the national
行政处罚 template as the office fills it in Excel (title rows, the data on its second worksheet,
numbered code columns), a 2016-format licensing export in field codes whose missing fields the
platform derives and marks, and a file with a column the platform does not know, which waits for
the clerk once and is remembered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Locator, Page, expect

from core.accounts.enums import StaffRole
from core.accounts.services import login_link_redeem
from core.catalog.models import Department
from core.catalog.services import staff_create
from core.collection.models import MappingProfile, UploadBatch
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from core.records.models import Record
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from tests.core.collection.files import (
    DEPARTMENT_CODE,
    PENALTY_TEMPLATE,
    Place,
    licence,
    licence_2016,
    template_csv,
    template_rows,
    template_xlsx,
    uscc,
)
from tests.e2e.conftest import console_login, console_menu, open_subject, purge_district, screenshot

pytestmark = pytest.mark.e2e

# 巫溪 again (test_collection_journey.py's district), under its own slug and domain: a purged
# district keeps its slug, so two modules cannot both onboard "wuxi" in one session.
SLUG, DOMAIN = "wuxi_files", "wuxi-files.localhost"
WUXI = OnboardingRequest(
    SLUG, "巫溪县", "信用巫溪", "500238", DOMAIN, "admin@wuxi.example", "巫溪管理员"
)
# The district's region code (DFBM is checked against it) and its market regulator, the one
# department of its directory: a 2016 file names its 许可机关 only, whose code is found there.
HERE = Place(area="重庆市巫溪县", short="巫溪", region="500238", authority="巫溪县市场监督管理局")
CLERK, PASSWORD = "clerk@wuxi.example", "Wuxi-Clerk-2026"
ACTOR = Actor.system("e2e")


@pytest.fixture(scope="module")
def wuxi(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        result = district_onboard(request=WUXI, actor=ACTOR)
        with schema_context(SLUG):
            admin = login_link_redeem(
                token=result.login_token or "", new_password="Wuxi-Admin-2026"
            )
            department = Department.objects.create(code=DEPARTMENT_CODE, name=HERE.authority)
            _, token = staff_create(actor=admin, email=CLERK, full_name="录入员",
                                    role=StaffRole.DATA_CLERK, department_id=department.pk)  # fmt: skip
            login_link_redeem(token=token, new_password=PASSWORD)
        use_public_schema()
    yield
    with django_db_blocker.unblock():
        purge_district(SLUG)


@pytest.fixture
def base(page: Page, server_port: int, wuxi: None, tmp_path: Path, settings: Any) -> str:
    """The district's console, the clerk signed in."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    url = f"http://{DOMAIN}:{server_port}"
    console_login(page, url, CLERK, PASSWORD)
    expect(page.get_by_role("button", name="数据归集")).to_be_visible()
    return url


def upload(page: Page, path: Path) -> None:
    console_menu(page, "数据归集", "数据上传")
    page.get_by_label("数据文件（CSV或XLSX）").set_input_files(str(path))
    page.get_by_role("button", name="上传并导入").click()
    expect(page).to_have_url(re.compile(r"/console/uploads/\d+/$"))


def latest_batch() -> UploadBatch:
    with schema_context(SLUG):
        batch = UploadBatch.objects.order_by("-pk").first()
        assert batch is not None
        return batch


def stored_by(batch: UploadBatch) -> int:
    with schema_context(SLUG):
        return Record.objects.filter(batch_id=batch.pk).count()


def column(page: Page, status: str) -> Locator:
    """The mapping table's rows of one recognition status (已识别, 仅核对, 不导入, 未识别 …)."""
    return page.locator(f'[data-testid="mapping-column"][data-status="{status}"]')


def test_the_template_filled_in_excel_is_read_where_its_table_is(
    page: Page, base: str, tmp_path: Path
) -> None:
    rows = template_rows(12, place=HERE)
    rows[4][PENALTY_TEMPLATE.index("处罚决定日期")] = "2026-11-31"  # serial 5, on row 3 + 5
    path = tmp_path / "行政处罚信息报送表.xlsx"
    path.write_bytes(template_xlsx(rows, place=HERE))

    upload(page, path)

    # Stored as the department filled it in: nothing to map, every valid row in.
    expect(page.get_by_test_id("batch-status")).to_have_text("已完成")
    expect(page.get_by_test_id("mapping-select")).to_have_count(0)
    expect(page.get_by_test_id("mapping-confirmed")).to_contain_text("映射确认：自动识别")
    expect(page.get_by_test_id("mapping-kind")).to_have_text("行政处罚")
    expect(page.get_by_test_id("mapping-sheet")).to_have_text("行政处罚")
    expect(page.get_by_test_id("mapping")).to_contain_text("工作表：行政处罚（共2个）")
    expect(page.get_by_test_id("mapping-header-row")).to_have_text("3")
    expect(page.get_by_test_id("stored")).to_have_text("11")
    expect(page.get_by_test_id("rejected")).to_have_text("1")
    # The numbered code columns, starred as required, each found; the unused ones too.
    expect(page.get_by_test_id("mapping-column")).to_have_count(len(PENALTY_TEMPLATE))
    expect(column(page, "已识别")).to_have_count(len(PENALTY_TEMPLATE))
    code_column = page.get_by_test_id("mapping-column").nth(2)
    expect(code_column).to_contain_text("行政相对人代码_1(统一社会信用代码)*")
    expect(code_column).to_contain_text("统一社会信用代码")
    expect(page.get_by_test_id("derivations")).to_have_count(0)  # the template has every field
    # The bad row numbered as Excel numbers it: header on row 3, the fifth data row is row 8.
    problem = page.get_by_test_id("problem")
    expect(problem).to_have_count(1)
    expect(problem.locator("td").first).to_have_text("8")
    expect(problem).to_contain_text("日期“2026-11-31”不存在")
    screenshot(page, "console-upload-xlsx")

    assert stored_by(latest_batch()) == 11


def test_a_2016_licensing_export_is_completed_and_the_derived_values_are_marked(
    page: Page, base: str, tmp_path: Path
) -> None:
    path = tmp_path / "行政许可2016.csv"
    path.write_bytes(
        licence_2016(
            licence(201, place=HERE),
            licence(202, place=HERE, XK_XDR_SHXYM=uscc(202, head="92500238"), XK_ZT=""),
            licence(203, place=HERE),
            licence(204, place=HERE, DFBM="500101"),  # another county's row: rejected
        )
    )

    upload(page, path)

    expect(page.get_by_test_id("batch-status")).to_have_text("已完成")
    expect(page.get_by_test_id("mapping-kind")).to_have_text("行政许可")
    expect(page.get_by_test_id("stored")).to_have_text("3")
    expect(page.get_by_test_id("rejected")).to_have_text("1")
    expect(page.get_by_test_id("problem")).to_contain_text("与本区县行政区划代码（500238）不符")
    expect(column(page, "仅核对")).to_contain_text("DFBM")
    expect(column(page, "不导入")).to_contain_text("SJC")
    # What the format never had, and how the platform fills it.
    derivations = page.get_by_test_id("derivations")
    for label, how in [
        ("行政相对人类别", "由统一社会信用代码或身份证号码推定"),
        ("有效期自", "取许可决定日期"),
        ("许可机关统一社会信用代码", "按机关名称从本区县部门名录查得"),
        ("数据来源单位", "取上传部门名称"),
        ("当前状态", "状态代码（0正常、1撤销、2异议、3其他）转换为文字"),
    ]:
        expect(derivations.locator("tr", has_text=label).first).to_contain_text(how)
    # The preview marks each derived value 推定.
    preview = page.get_by_test_id("preview").locator("tbody tr")
    first, individual = preview.nth(0), preview.nth(1)
    expect(first.locator("td.derived", has_text=DEPARTMENT_CODE).first).to_contain_text("推定")
    expect(first.locator("td.derived", has_text="法人及非法人组织")).to_have_count(1)
    expect(individual.locator("td.derived", has_text="个体工商户")).to_have_count(1)
    expect(first.locator("td.derived", has_text="2026-11-02")).to_have_count(1)  # 有效期自
    expect(
        first.locator("td:not(.derived)", has_text="重庆市巫溪县第201超市有限公司")
    ).to_have_count(1)
    screenshot(page, "console-upload-derived")

    # The stored record says which of its fields the platform put there, and how.
    open_subject(page, base, uscc(201), "重庆市巫溪县第201超市有限公司")
    page.get_by_test_id("record-row").get_by_role("link", name="巫溪市监许〔2016〕201号").click()
    derived = page.get_by_test_id("derived-field")
    expect(derived).to_have_count(6)
    expect(derived.filter(has_text="许可机关统一社会信用代码")).to_contain_text(
        f"{DEPARTMENT_CODE} 平台推定：按机关名称从本区县部门名录查得"
    )
    expect(derived.filter(has_text="有效期自")).to_contain_text("平台推定：取许可决定日期")
    screenshot(page, "console-record-derived")


def test_an_unknown_column_is_decided_once_and_the_decision_remembered(
    page: Page, base: str, tmp_path: Path
) -> None:
    headers = [*PENALTY_TEMPLATE, "经办人"]
    first = tmp_path / "行政处罚（含经办人）.csv"
    first.write_bytes(
        template_csv(
            [[*row, "赵六"] for row in template_rows(3, first=101, place=HERE)], headers=headers
        )
    )

    upload(page, first)

    # Stopped before any row is stored, the column named.
    waiting = latest_batch()
    expect(page.get_by_test_id("batch-status")).to_have_text("待确认列映射")
    expect(page.get_by_test_id("stored")).to_have_text("0")
    expect(page.get_by_test_id("mapping-problems")).to_have_text(
        "第31列“经办人”未识别：请选择它对应的字段，或忽略该列"
    )
    expect(page.get_by_test_id("mapping-select")).to_have_count(31)
    expect(column(page, "未识别")).to_have_count(1)
    expect(column(page, "未识别")).to_contain_text("赵六")  # its first values, to judge by
    assert stored_by(waiting) == 0
    choice = page.get_by_label("第31列“经办人”对应的字段")
    expect(choice).to_have_value("")  # 请选择…
    choice.select_option(label="忽略此列（不导入）")
    screenshot(page, "console-upload-mapping")
    page.get_by_test_id("mapping-confirm").click()

    expect(page).to_have_url(re.compile(rf"/console/uploads/{waiting.pk}/$"))
    expect(page.get_by_test_id("batch-status")).to_have_text("已完成")
    expect(page.get_by_test_id("stored")).to_have_text("3")
    expect(page.get_by_test_id("mapping-select")).to_have_count(0)
    expect(page.get_by_test_id("mapping-confirmed")).to_contain_text(
        "映射确认：录入员（数据录入员，巫溪县市场监督管理局）"
    )
    expect(column(page, "不导入")).to_contain_text("经办人")
    assert stored_by(waiting) == 3

    # The next file of the same layout goes straight through, by the saved profile.
    again = tmp_path / "行政处罚（含经办人）-12月.csv"
    again.write_bytes(
        template_csv(
            [[*row, "赵六"] for row in template_rows(4, first=101, place=HERE)], headers=headers
        )
    )

    upload(page, again)

    expect(page.get_by_test_id("batch-status")).to_have_text("已完成")
    expect(page.get_by_test_id("mapping-select")).to_have_count(0)
    expect(page.get_by_test_id("mapping-problems")).to_have_count(0)
    expect(page.get_by_test_id("mapping-confirmed")).to_contain_text(
        f"映射确认：映射方案（{CLERK}保存）"
    )
    expect(page.get_by_test_id("stored")).to_have_text("1")
    expect(page.get_by_test_id("duplicate")).to_have_text("3")
    assert stored_by(latest_batch()) == 1

    # The profile, changeable column by column, then listed where it can be deleted.
    page.get_by_role("link", name="查看或修改映射方案").click()
    expect(page.get_by_role("heading", name="修改列映射方案")).to_be_visible()
    expect(page.get_by_label("第31列“经办人”对应的字段")).to_have_value("-")
    page.get_by_role("button", name="保存映射方案").click()
    expect(page.get_by_role("heading", name="列映射方案")).to_be_visible()
    profile = page.get_by_test_id("profile")
    expect(profile).to_have_count(1)
    expect(profile).to_contain_text("已自动应用1次")
    expect(profile.locator("tr", has_text="经办人")).to_contain_text("不导入")
    expect(profile.get_by_role("button", name="删除此方案")).to_be_visible()
    with schema_context(SLUG):
        assert MappingProfile.objects.get().decisions["30"] == ""
