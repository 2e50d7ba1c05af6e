"""信用核查与联合奖惩 in the staff console (issue 23): the admin registers matters and edits their
rules, a 财政局 clerk checks a pasted or uploaded list and feeds back, another department's clerk
sees nothing of it, and the queue marks what is overdue."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import Workbook

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department, StaffAssignment
from core.discipline.enums import FeedbackOutcome, MatterCategory
from core.discipline.models import Check, CheckRow, Feedback, Matter
from tests.conftest import make_staff
from tests.core.collection.conftest import district  # noqa: F401  (fixture)
from tests.core.collection.files import uscc
from tests.core.discipline.conftest import (
    BLACK,
    CLEAN,
    PENALISED,
    RED,
    Setting,
    subsidy,  # noqa: F401  (fixture)
)
from tests.i18n.test_chinese_pages import _Text, latin_words
from tests.support.clock import Clock
from tests.support.pages import signed_in

pytestmark = pytest.mark.django_db


def _staff(email: str, role: StaffRole, department: Department | None = None) -> User:
    user = make_staff("wanzhou", email, role)
    if department is not None:
        with schema_context("wanzhou"):
            StaffAssignment.objects.create(user=user, department=department)
    return user


@pytest.fixture
def finance_clerk(subsidy: Setting) -> Client:  # noqa: F811
    return signed_in(_staff("finance@wanzhou.test", StaffRole.DATA_CLERK, subsidy.finance))


@pytest.fixture
def market_clerk(subsidy: Setting) -> Client:  # noqa: F811
    return signed_in(_staff("market@wanzhou.test", StaffRole.DATA_CLERK, subsidy.market))


@pytest.fixture
def district_admin(subsidy: Setting) -> Client:  # noqa: F811
    return signed_in(_staff("head@wanzhou.test", StaffRole.DISTRICT_ADMIN))


def _rows(body: str) -> list[list[str]]:
    """The result table's main rows: 序号, 所填, 主体名称, 结果, 说明."""
    found = re.findall(r'<tr id="row-\d+" data-testid="row-\d+">(.*?)</tr>', body, re.S)
    return [
        [re.sub(r"</?code>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in found
    ]


def _check(client: Client, setting: Setting, **data: object) -> tuple[Check, str]:
    response = client.post("/console/discipline/check/", {"matter": setting.matter.pk, **data})
    assert response.status_code == 302, response.content.decode()
    with schema_context("wanzhou"):
        check = Check.objects.latest("id")
    assert response["Location"] == f"/console/discipline/checks/{check.number}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    return check, page.content.decode()


def test_the_admin_registers_a_matter_and_edits_its_rules(
    district_admin: Client,
    finance_clerk: Client,
    subsidy: Setting,  # noqa: F811
) -> None:
    response = district_admin.post("/console/discipline/matters/", {
        "register": "1", "department": subsidy.finance.pk, "name": "政府采购供应商资格审查",
        "category": MatterCategory.PROCUREMENT, "legal_basis": "《政府采购法》第二十二条",
        "feedback_days": "7",
    })  # fmt: skip
    with schema_context("wanzhou"):
        matter = Matter.objects.get(name="政府采购供应商资格审查")
    assert response["Location"] == f"/console/discipline/matters/{matter.pk}/"
    listing = district_admin.get("/console/discipline/matters/").content.decode()
    assert "政府采购供应商资格审查" in listing
    assert "政府采购" in listing
    assert "7个工作日" in listing

    page = district_admin.get(f"/console/discipline/matters/{matter.pk}/").content.decode()
    assert "第1版" in page
    assert "限制获得财政资金支持和政策性优惠" in page
    assert "严重失信主体名单" in page
    assert "依据：" in page

    edited = district_admin.post(f"/console/discipline/matters/{matter.pk}/", {
        "rule_serious_dishonesty": ["CJ-05", "CJ-12"], "rule_red_list": ["JL-02"],
    })  # fmt: skip
    assert edited.status_code == 302
    page = district_admin.get(f"/console/discipline/matters/{matter.pk}/").content.decode()
    assert 'data-testid="current-version">第2版' in page
    assert 'data-testid="version-1"' in page
    assert 'data-testid="version-2"' in page
    with schema_context("wanzhou"):
        rules = matter.versions.get(number=2).rules.values_list("finding", "measure__code")
        assert sorted(rules) == [
            ("red_list", "JL-02"), ("serious_dishonesty", "CJ-05"), ("serious_dishonesty", "CJ-12")
        ]  # fmt: skip

    added = district_admin.post("/console/discipline/matters/", {
        "measure": "1", "measure_name": "暂停专项资金申报资格三年", "kind": "punishment",
        "measure_basis": "《万州区中小企业发展专项资金管理办法》第十二条",
        "findings": ["serious_dishonesty"],
    })  # fmt: skip
    assert added.status_code == 302
    assert "暂停专项资金申报资格三年" in district_admin.get(added["Location"]).content.decode()

    # A clerk reads the matters but has no forms, and a post registers nothing.
    clerk_page = finance_clerk.get("/console/discipline/matters/").content.decode()
    assert "中小企业发展专项资金补助" in clerk_page
    assert "登记事项" not in clerk_page
    finance_clerk.post("/console/discipline/matters/", {
        "register": "1", "department": subsidy.finance.pk, "name": "冒名事项",
        "category": MatterCategory.OTHER, "legal_basis": "无", "feedback_days": "5",
    })  # fmt: skip
    finance_clerk.post(f"/console/discipline/matters/{matter.pk}/", {"rule_red_list": ["JL-01"]})
    with schema_context("wanzhou"):
        assert not Matter.objects.filter(name="冒名事项").exists()
        assert matter.versions.count() == 2


def test_a_clerk_checks_a_pasted_list_and_reads_every_row(
    finance_clerk: Client,
    subsidy: Setting,  # noqa: F811
) -> None:
    page = finance_clerk.get("/console/discipline/check/").content.decode()
    assert "重庆市万州区财政局：中小企业发展专项资金补助" in page

    codes = "\n".join([BLACK, RED, CLEAN, BLACK, "ABC", PENALISED])
    check, body = _check(finance_clerk, subsidy, codes=codes)

    assert _rows(body) == [
        ["1", BLACK, "重庆市万州区第1建设有限公司", "有相关信息", ""],
        ["2", RED, "重庆市万州区第2建设有限公司", "有相关信息", ""],
        ["3", CLEAN, "重庆市万州区第4超市有限公司", "未发现相关信息", ""],
        ["4", BLACK, "—", "重复", "与第1行重复，未重复核查"],
        ["5", "ABC", "—", "代码无效", "既不是统一社会信用代码或身份证号码，也不是主体名称"],
        ["6", PENALISED, "重庆市万州区第3建设有限公司", "有相关信息", ""],
    ]  # fmt: skip
    assert check.number in body
    assert "名单6条，已核查主体4个，其中有相关信息3个" in body
    assert (
        f'href="/console/discipline/checks/{check.number}/report.pdf">下载核查报告（PDF）' in body
    )
    assert "严重失信主体名单" in body
    assert "万州发改认〔2026〕1号" in body
    assert "限制获得财政资金支持和政策性优惠" in body
    assert "失信惩戒" in body
    assert "守信激励" in body
    assert 'data-testid="feedback-form-1"' in body
    assert 'data-testid="feedback-form-3"' not in body  # nothing found, nothing to feed back
    assert "CJ-05" not in re.sub(r'value="[^"]*"', "", body)
    listing = finance_clerk.get("/console/discipline/checks/").content.decode()
    assert check.number in listing


def test_a_list_is_uploaded_as_csv_in_gbk_or_as_xlsx(
    finance_clerk: Client,
    subsidy: Setting,  # noqa: F811
) -> None:
    csv = f"序号,企业名称,统一社会信用代码\n1,甲,{BLACK}\n2,乙,{CLEAN}\n".encode("gbk")
    _, body = _check(finance_clerk, subsidy,
                     file=SimpleUploadedFile("名单.csv", csv, "text/csv"))  # fmt: skip
    assert [r[1:4] for r in _rows(body)] == [
        [BLACK, "重庆市万州区第1建设有限公司", "有相关信息"],
        [CLEAN, "重庆市万州区第4超市有限公司", "未发现相关信息"],
    ]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in ([RED], ["重庆市万州区第3建设有限公司"], [uscc(98)]):
        sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    upload = SimpleUploadedFile("名单.xlsx", content.getvalue(), "application/octet-stream")
    _, body = _check(finance_clerk, subsidy, file=upload)
    assert [r[1:5] for r in _rows(body)] == [
        [RED, "重庆市万州区第2建设有限公司", "有相关信息", ""],
        ["重庆市万州区第3建设有限公司", "重庆市万州区第3建设有限公司", "有相关信息", ""],
        [uscc(98), "—", "平台无此主体", "平台未归集到该主体的信用信息"],
    ]


def test_a_bad_file_or_an_empty_list_is_refused_in_chinese(
    finance_clerk: Client,
    subsidy: Setting,  # noqa: F811
) -> None:
    empty = finance_clerk.post("/console/discipline/check/", {"matter": subsidy.matter.pk})
    assert "请填写至少一个统一社会信用代码、身份证号码或主体名称" in empty.content.decode()
    old = SimpleUploadedFile("名单.xls", b"\xd0\xcf\x11\xe0" + b"0" * 100)
    refused = finance_clerk.post("/console/discipline/check/",
                                 {"matter": subsidy.matter.pk, "file": old})  # fmt: skip
    assert "不支持旧版Excel（.xls）文件" in refused.content.decode()
    with schema_context("wanzhou"):
        assert not Check.objects.exists()


def test_feedback_is_recorded_and_not_twice(finance_clerk: Client, subsidy: Setting) -> None:  # noqa: F811
    check, _ = _check(finance_clerk, subsidy, codes=f"{BLACK}\n{RED}")
    url = f"/console/discipline/checks/{check.number}/"

    missing = finance_clerk.post(url, {"row": "1", "row1-applied": "0",
                                       "row1-outcome": FeedbackOutcome.NORMAL})  # fmt: skip
    assert missing.status_code == 200
    assert "未采取措施的，请说明原因" in missing.content.decode()

    black = {"row": "1", "row1-applied": "1", "row1-outcome": FeedbackOutcome.NO_SUBSIDY,
             "row1-measures": ["CJ-05"], "row1-note": "不予拨付本年度补助"}  # fmt: skip
    assert finance_clerk.post(url, black).status_code == 302
    red = {"row": "2", "row2-applied": "1", "row2-outcome": FeedbackOutcome.PRIORITY,
           "row2-measures": ["JL-02"]}  # fmt: skip
    assert finance_clerk.post(url, red).status_code == 302
    body = finance_clerk.get(url).content.decode()
    assert "已反馈：不予补助（采取措施：限制获得财政资金支持和政策性优惠）" in body
    assert "已反馈：优先办理（采取措施：在财政资金补助、政策性扶持中同等条件下优先）" in body
    assert "finance@wanzhou.test（数据录入员，重庆市万州区财政局）" in body
    assert "逾期" not in body

    again = finance_clerk.post(url, {**black, "row1-outcome": FeedbackOutcome.STRICT_REVIEW})
    assert again.status_code == 200
    assert "该主体的核查结果已反馈，不能重复反馈" in again.content.decode()
    with schema_context("wanzhou"):
        fed = dict(Feedback.objects.values_list("row__position", "outcome"))
    assert fed == {1: FeedbackOutcome.NO_SUBSIDY, 2: FeedbackOutcome.PRIORITY}


def test_another_departments_clerk_cannot_see_or_act(
    finance_clerk: Client,
    market_clerk: Client,
    subsidy: Setting,  # noqa: F811
) -> None:
    check, _ = _check(finance_clerk, subsidy, codes=BLACK)
    url = f"/console/discipline/checks/{check.number}/"

    assert market_clerk.get(url).status_code == 404
    posted = market_clerk.post(url, {"row": "1", "row1-applied": "1",
                                     "row1-outcome": FeedbackOutcome.NO_SUBSIDY})  # fmt: skip
    assert posted.status_code == 404
    assert check.number not in market_clerk.get("/console/discipline/checks/").content.decode()
    assert check.number not in market_clerk.get("/console/discipline/feedback/").content.decode()
    page = market_clerk.get("/console/discipline/check/").content.decode()
    assert "中小企业发展专项资金补助" not in page
    forged = market_clerk.post("/console/discipline/check/",
                               {"matter": subsidy.matter.pk, "codes": BLACK})  # fmt: skip
    assert forged.status_code == 200
    assert "所选事项不存在或已停用，请重新选择" in forged.content.decode()
    with schema_context("wanzhou"):
        assert Check.objects.count() == 1
        assert not Feedback.objects.exists()


def test_the_queue_marks_overdue_feedback_first(
    clock: Clock,
    finance_clerk: Client,
    district_admin: Client,
    subsidy: Setting,  # noqa: F811
) -> None:
    early, _ = _check(finance_clerk, subsidy, codes=BLACK)
    clock.move_to(date(2026, 12, 3))
    late, _ = _check(finance_clerk, subsidy, codes=RED)
    clock.move_to(date(2026, 12, 7))  # the Monday after the first check's due Friday

    body = finance_clerk.get("/console/discipline/feedback/").content.decode()
    assert "待反馈 2 个主体，其中已逾期 1 个" in body
    rows = re.findall(r"<tr( class=\"overdue\")?><td>(.*?)</td><td>(.*?)</td><td><a href=\"([^\"]+)\"",
                      body)  # fmt: skip
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ('<strong class="error">已逾期</strong>', "2026-12-04",
         f"/console/discipline/checks/{early.number}/#row-1"),
        ("待反馈", "2026-12-10", f"/console/discipline/checks/{late.number}/#row-1"),
    ]  # fmt: skip
    everyone = district_admin.get(f"/console/discipline/feedback/?department={subsidy.market.pk}")
    assert "没有待反馈的核查结果" in everyone.content.decode()
    assert early.number in district_admin.get("/console/discipline/feedback/").content.decode()

    url = f"/console/discipline/checks/{early.number}/"
    finance_clerk.post(url, {"row": "1", "row1-applied": "1",
                             "row1-outcome": FeedbackOutcome.NO_SUBSIDY})  # fmt: skip
    assert '<strong class="error">逾期</strong>' in finance_clerk.get(url).content.decode()
    with schema_context("wanzhou"):
        assert CheckRow.objects.get(credit_check=early).feedback.late


def test_every_discipline_page_reads_in_chinese(
    finance_clerk: Client,
    district_admin: Client,
    subsidy: Setting,  # noqa: F811
) -> None:
    """The crawler's rule (tests/i18n) over pages the demo has no data for: a result with findings,
    measures, feedback and a refusal, the matter with its versions, the queue and the lists."""
    check, _ = _check(finance_clerk, subsidy, codes=f"{BLACK}\n{RED}\nABC\n{PENALISED}")
    url = f"/console/discipline/checks/{check.number}/"
    finance_clerk.post(url, {"row": "1", "row1-applied": "1",
                             "row1-outcome": FeedbackOutcome.NO_SUBSIDY})  # fmt: skip
    refused = finance_clerk.post(url, {"row": "2", "row2-applied": "0",
                                       "row2-outcome": FeedbackOutcome.PRIORITY})  # fmt: skip
    pages = {
        "refused": refused,
        **{path: client.get(path) for client in (finance_clerk, district_admin) for path in (
            url, "/console/discipline/check/", "/console/discipline/checks/",
            "/console/discipline/feedback/", "/console/discipline/matters/",
            f"/console/discipline/matters/{subsidy.matter.pk}/",
        )},
    }  # fmt: skip
    found = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        parser = _Text()
        parser.feed(response.content.decode())
        if words := latin_words("\n".join(parser.parts)):
            found[name] = words
    assert found == {}
