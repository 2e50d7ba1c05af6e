"""The 信用核查报告 (issue 23): a PDF with real Chinese text (the credit report's font and footer),
stored once with its SHA-256, downloaded in the console by those who may see the check."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from pypdf import PdfReader

from core.accounts.enums import StaffRole
from core.audit.models import AuditEntry
from core.catalog.models import StaffAssignment
from core.discipline.models import Check
from core.discipline.report import check_report_store
from core.reports.selectors import ReportSite
from tests.conftest import make_staff
from tests.core.discipline.conftest import (
    BLACK,
    CLEAN,
    CLERK,
    RED,
    Setting,
    check_of,
    subsidy,  # noqa: F401  (fixture)
)
from tests.support.pages import signed_in

pytestmark = pytest.mark.django_db
PERSON = "11010519491231002X"
SITE = ReportSite("信用万州", "https://wanzhou.localhost/reports/verify/")


def _check(setting: Setting) -> Check:
    return check_of(setting, BLACK, RED, CLEAN, PERSON)


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_the_report_reads_back_in_chinese_and_is_stored_with_its_sha256(
    subsidy: Setting,  # noqa: F811
) -> None:
    with schema_context("wanzhou"):
        check = _check(subsidy)

        stored = check_report_store(check, site=SITE, actor=CLERK)

        with default_storage.open(stored.stored_pdf, "rb") as handle:
            pdf = handle.read()
        assert stored.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        assert Check.objects.get(pk=check.pk).pdf_sha256 == stored.pdf_sha256
        assert b"NotoSansSC" in pdf
        assert b"/FontFile2" in pdf
        text = _text(pdf)
        for expected in (
            "信用核查报告", "核查编号", check.number, "验证码", check.verification_code,
            "出具平台", "信用万州", "运营机构", str(settings.OPERATOR_NAME), "核查部门",
            "重庆市万州区财政局", "事项", "中小企业发展专项资金补助", "核查依据",
            "《重庆市社会信用条例》第三十二条", "核查时间", "2026-11-27", "（北京时间）",
            "名单条数", "已核查主体", "有相关信息的主体", "序号", "主体", "结果",
            "重庆市万州区第1建设有限公司", BLACK, "有相关信息", "未发现相关信息",
            "类别", "文书号", "决定机关", "决定日期", "公示至", "严重失信主体名单",
            "守信激励对象（红名单）", "适用措施", "依据", "1101**********002X", "不予核查",
            "报告验证", "https://wanzhou.localhost/reports/verify/",
        ):  # fmt: skip
            assert expected in text, expected
        assert PERSON not in text  # a person is named by the masked number only
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        assert pages >= 2  # four rows with their findings and measures do not fit one page
        for page in range(1, pages + 1):  # every page: the issuer, the number, page N of M
            assert f"第{page}页共{pages}页" in text
        footer = f"出具平台：信用万州运营机构：{settings.OPERATOR_NAME}核查编号：{check.number}"
        assert text.count(footer) == pages

        again = check_report_store(Check.objects.get(pk=check.pk), site=SITE, actor=CLERK)
        assert (again.stored_pdf, again.pdf_sha256) == (stored.stored_pdf, stored.pdf_sha256)
        assert AuditEntry.objects.filter(action="discipline.report_store").count() == 1


def test_the_console_download_is_stored_on_first_request_and_limited_to_the_department(
    subsidy: Setting,  # noqa: F811
) -> None:
    with schema_context("wanzhou"):
        check = _check(subsidy)
    finance_clerk = make_staff("wanzhou", "finance@wanzhou.test", StaffRole.DATA_CLERK)
    market_clerk = make_staff("wanzhou", "market@wanzhou.test", StaffRole.DATA_CLERK)
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    window = make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK)
    with schema_context("wanzhou"):
        StaffAssignment.objects.create(user=finance_clerk, department=subsidy.finance)
        StaffAssignment.objects.create(user=market_clerk, department=subsidy.market)
    url = f"/console/discipline/checks/{check.number}/report.pdf"

    first = signed_in(finance_clerk).get(url)

    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    with schema_context("wanzhou"):
        kept = Check.objects.get(pk=check.pk)
    assert kept.stored_pdf
    assert kept.pdf_sha256 == hashlib.sha256(first.content).hexdigest()
    assert check.number in _text(first.content)
    assert signed_in(reviewer).get(url).content == first.content  # the stored file, not re-made
    assert signed_in(market_clerk).get(url).status_code == 404
    assert signed_in(window).get(url).status_code == 404
    missing = "/console/discipline/checks/HC2026112700000000/report.pdf"
    assert signed_in(reviewer).get(missing).status_code == 404
