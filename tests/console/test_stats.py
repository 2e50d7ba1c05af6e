"""The statistics dashboard, its filters and exports, and the portal's 成果展示 page."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from tests.conftest import client_for, make_staff
from tests.core.collection.conftest import upload
from tests.core.collection.files import as_csv, penalty
from tests.support.pages import signed_in


@pytest.fixture
def auditor_client(department: Department) -> Client:
    with schema_context("wanzhou"):
        upload(department, as_csv([
            penalty(1, WFXW="=HYPERLINK(\"http://evil\")"),
            penalty(2, JDRQ="2026-10-09", WFXW="未按规定公示年度报告"),
            penalty(3, JDRQ="2025-01-09"),
        ]))  # fmt: skip
    return signed_in(make_staff("wanzhou", "auditor@wanzhou.test", StaffRole.AUDITOR))


def test_the_dashboard_shows_the_last_twelve_months(auditor_client: Client) -> None:
    page = auditor_client.get("/console/stats/").content.decode()

    assert 'data-testid="total-records">2<' in page  # 2025-01 is outside the default year
    assert "2025年12月至2026年11月" in page
    assert "50.0%" in page  # one of two supplied within 7 working days


def test_filters_narrow_the_figures_and_bad_months_are_explained(auditor_client: Client) -> None:
    page = auditor_client.get("/console/stats/?start=2025-01&end=2025-01").content.decode()
    assert 'data-testid="total-records">1<' in page

    page = auditor_client.get("/console/stats/?start=2026-13&end=2026-01").content.decode()
    assert "月份格式应为yyyy-MM，如2026-03" in page


def test_csv_export_neutralises_formula_text(auditor_client: Client) -> None:
    response = auditor_client.get("/console/stats/?export=csv&table=violations")

    assert (
        response["Content-Disposition"]
        == 'attachment; filename="stats-violations-202512-202611.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["违法行为类型", "处罚数", "罚款合计（万元）"],
        ['\'=HYPERLINK("http://evil")', "1", "0.2"],
        ["未按规定公示年度报告", "1", "0.2"],
    ]


def test_xlsx_export_has_a_sheet_per_table(auditor_client: Client) -> None:
    response = auditor_client.get("/console/stats/?export=xlsx")

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "说明",
        "按类别",
        "按月份",
        "按部门",
        "按信息项",
        "报送及时率",
        "违法行为类型",
        "红黑名单",
        "评价等级",
        "联合奖惩",
    ]
    assert list(book["按类别"].values) == [("类别", "记录数"), ("行政处罚", 2)]
    assert auditor_client.get("/console/stats/?export=pdf").status_code == 404


def test_the_portal_shows_the_public_figures(auditor_client: Client) -> None:
    page = client_for("wanzhou.localhost").get("/achievements/").content.decode()

    assert 'data-testid="achievements-total">2<' in page
    assert (
        'data-testid="achievements-timeliness"' in page
    )  # per month, tests/portal/test_achievements.py
    assert "HYPERLINK" not in page  # violation types are for staff


def test_months_far_away_or_too_many_are_refused(auditor_client: Client) -> None:
    page = auditor_client.get("/console/stats/?start=9999-01&end=9999-12").content.decode()
    assert "月份应在2000年至2100年之间" in page

    page = auditor_client.get("/console/stats/?start=2000-01&end=2026-11").content.decode()
    assert "一次最多统计10年，请缩小月份范围" in page
