"""A district admin's scoring journey in a real browser (issue: scoring): read a company's score and
why, change a weight, publish a new scorecard version, see the score recomputed with its
explanation, then repair the penalty through the window and see it stop lowering the score."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from core.catalog.models import Department
from core.collection.services import batch_create
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, as_record_csv, listing, penalty
from tests.e2e.conftest import (
    committed_districts,
    console_login,
    console_menu,
    open_subject,
    screenshot,
)

pytestmark = pytest.mark.e2e

FENGDU = OnboardingRequest(
    "fengdu",
    "丰都县",
    "信用丰都",
    "500230",
    "fengdu.localhost",
    "admin@fengdu.example",
    "丰都管理员",
)
PASSWORD = "Fengdu-Admin-2026"
ACTOR = Actor.system("e2e")


@pytest.fixture(scope="module")
def fengdu(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    media = str(tmp_path_factory.mktemp("media"))
    with committed_districts(django_db_blocker, media, PASSWORD, FENGDU):
        with schema_context("fengdu"):
            department = Department.objects.create(
                code=DEPARTMENT_CODE, name="丰都县市场监督管理局"
            )
            # Committed uploads: each is ingested and its subjects scored when it commits.
            for name, content in (
                (
                    "处罚.csv",
                    as_csv(
                        [
                            penalty(
                                1,
                                XDR_MC="丰都县第1建设有限公司",
                                JDRQ="2026-01-10",
                                YXQ="2027-01-10",
                            )
                        ]
                    ),
                ),
                (
                    "名单.csv",
                    as_record_csv([listing(2, XDR_MC="丰都县第2商贸有限公司", LX="守信激励")]),
                ),
            ):
                batch_create(actor=ACTOR, department=department, filename=name,
                             content=io.BytesIO(content), size=len(content))  # fmt: skip
        use_public_schema()
        yield


def open_company(page: Page, base: str, name: str) -> None:
    open_subject(page, base, name, name)


def test_an_admin_republishes_the_scorecard_and_a_repaired_penalty_stops_counting(
    page: Page, server_port: int, fengdu: None, tmp_path: Path
) -> None:
    base = f"http://fengdu.localhost:{server_port}"
    console_login(page, base, "admin@fengdu.example", PASSWORD)

    open_company(page, base, "丰都县第1建设有限公司")
    expect(page.get_by_test_id("score-total")).to_have_text("760")
    expect(page.get_by_test_id("score-grade")).to_have_text("B 基本诚信")
    expect(page.get_by_test_id("explanation")).to_contain_text("R02 一般行政处罚：−40分")
    screenshot(page, "console-subject-score")

    console_menu(page, "信用主体", "信用评分")
    expect(page.get_by_test_id("grade-distribution")).to_contain_text("B 基本诚信")
    page.get_by_role("button", name="创建草稿").click()
    draft = page.get_by_test_id("draft")
    draft.get_by_label("遵纪守法权重").fill("0.4")
    draft.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_test_id("draft")).to_contain_text("各维度权重之和应为1，现为1.1")
    page.get_by_test_id("draft").get_by_label("资质荣誉权重").fill("0.05")
    page.get_by_test_id("draft").get_by_role("button", name="保存草稿").click()
    expect(page.get_by_test_id("done")).to_have_text("草稿已保存")
    screenshot(page, "console-scorecard-draft")
    page.get_by_test_id("draft").get_by_role("button", name="发布为现行版本并重新评分").click()
    expect(page.get_by_test_id("done")).to_contain_text("v2 已发布")
    expect(page.get_by_test_id("published")).to_contain_text("现行版本：v2")

    # 遵纪守法 is now 400 (行政处罚 240); 资质荣誉 50: base 400 + 200 + 10 + 70 + 200 = 880.
    open_company(page, base, "丰都县第1建设有限公司")
    expect(page.get_by_test_id("score-total")).to_have_text("840")
    expect(page.get_by_test_id("score-grade")).to_have_text("B 基本诚信")
    expect(page.get_by_test_id("score")).to_contain_text("评分模型v2")
    expect(page.get_by_test_id("explanation")).to_contain_text("200 / 240")

    # The company applies for credit repair at the window; a reviewer (here the admin) approves.
    commitment, proof = tmp_path / "承诺书.pdf", tmp_path / "缴款凭证.pdf"
    for document in (commitment, proof):
        document.write_bytes(b"%PDF-1.4\n% signed document\n")
    page.get_by_test_id("explanation").get_by_role("link").first.click()
    page.get_by_role("link", name="受理信用修复申请").click()
    page.get_by_label("申请人（经办人）姓名").fill("王五")
    page.get_by_label("联系电话").fill("13800000000")
    page.get_by_label("整改情况说明").fill("已缴清罚款，整改完毕并通过复查。")
    page.get_by_label("信用修复承诺书（PDF或图片）").set_input_files(str(commitment))
    page.get_by_label("已纠正失信行为、履行法定义务的证明材料（PDF或图片）").set_input_files(
        str(proof)
    )
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("repair-status")).to_have_text("待审核")
    page.get_by_role("button", name="准予修复").click()
    expect(page.get_by_test_id("done")).to_contain_text("已审核")

    open_company(page, base, "丰都县第1建设有限公司")
    expect(page.get_by_test_id("score-total")).to_have_text("880")
    expect(page.get_by_test_id("score-grade")).to_have_text("A 诚信优良")
    expect(page.get_by_test_id("explanation")).not_to_contain_text("R02")
    expect(page.get_by_test_id("score")).to_contain_text("评分历史（3）")

    console_menu(page, "信用服务", "分类统计")
    expect(page.get_by_test_id("by-kind")).to_contain_text("守信激励（红名单）")
    expect(page.get_by_test_id("lists")).to_contain_text("守信激励（红名单）")
    screenshot(page, "console-stats")
    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto(f"{base}/achievements/")
    expect(page.get_by_test_id("achievements-kinds")).to_contain_text("守信激励（红名单）")
    screenshot(page, "portal-achievements")
