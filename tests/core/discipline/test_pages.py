"""联合奖惩 on the console's 分类统计 (by department, matter and month, with its CSV) and the
portal's 联合惩戒 page (the year's counts, no names) — issue 23."""

from __future__ import annotations

import csv
import io

import pytest
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.discipline.enums import FeedbackOutcome
from core.discipline.models import CheckRow
from core.discipline.services import check_run, feedback_record
from tests.conftest import client_for, make_staff
from tests.core.discipline.conftest import (
    BLACK,
    CLEAN,
    CLERK,
    RED,
    Setting,
    subsidy,  # noqa: F401  (fixture)
)
from tests.support.pages import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed_back(subsidy: Setting) -> Setting:  # noqa: F811
    """One check of three companies (two found), one refused a subsidy and one given priority."""
    with schema_context("wanzhou"):
        check = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                          entries=[BLACK, RED, CLEAN])  # fmt: skip
        rows = {r.position: r for r in CheckRow.objects.filter(credit_check=check)}
        feedback_record(actor=CLERK, department=subsidy.finance, row=rows[1], applied=True,
                        outcome=FeedbackOutcome.NO_SUBSIDY)  # fmt: skip
        feedback_record(actor=CLERK, department=subsidy.finance, row=rows[2], applied=True,
                        outcome=FeedbackOutcome.PRIORITY)  # fmt: skip
    return subsidy


def test_the_stats_page_counts_checks_by_department_matter_and_month(fed_back: Setting) -> None:
    auditor = signed_in(make_staff("wanzhou", "auditor@wanzhou.test", StaffRole.AUDITOR))

    page = auditor.get("/console/stats/").content.decode()

    row = ("<tr><td>2026-11</td><td>重庆市万州区财政局</td><td>中小企业发展专项资金补助</td>"
           "<td>1</td><td>3</td><td>2</td><td>1</td><td>1</td></tr>")  # fmt: skip
    assert row in page
    assert ('<tr data-testid="discipline-totals"><th colspan="3">合计</th><td>1</td><td>3</td>'
            "<td>2</td><td>1</td><td>1</td></tr>") in page  # fmt: skip
    # A period without checks, and another department, have none.
    earlier = auditor.get("/console/stats/?start=2026-01&end=2026-10").content.decode()
    assert "所选期间没有信用核查" in earlier
    with schema_context("wanzhou"):
        market = fed_back.market.pk
    other = auditor.get(f"/console/stats/?department={market}").content.decode()
    assert "所选期间没有信用核查" in other

    exported = auditor.get("/console/stats/?export=csv&table=discipline")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows == [
        ["月份", "部门", "事项", "核查次数", "核查主体", "发现信息", "实施惩戒", "实施激励"],
        ["2026-11", "重庆市万州区财政局", "中小企业发展专项资金补助", "1", "3", "2", "1", "1"],
    ]


def test_the_portal_page_shows_the_years_counts_without_names(fed_back: Setting) -> None:
    page = client_for("wanzhou.localhost").get("/joint-punishment/").content.decode()

    assert "2026年信用核查与联合奖惩" in page
    assert (
        '<dl class="figures" data-testid="discipline-counts">\n'
        "<dt>核查次数</dt><dd>1</dd>\n<dt>核查主体</dt><dd>3</dd>\n"
        "<dt>发现失信或守信信息</dt><dd>2</dd>\n<dt>实施惩戒</dt><dd>1</dd>\n"
        "<dt>实施激励</dt><dd>1</dd></dl>"
    ) in page
    assert "中小企业发展专项资金补助" not in page
    assert page.index("discipline-counts") < page.index('data-testid="cases"')
