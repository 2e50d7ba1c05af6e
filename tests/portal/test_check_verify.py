"""The portal's 报告验证 page verifies a 信用核查报告 too (issue 23): by its 核查编号 and 验证码 it
says which department checked for which matter, when, and how many (no subjects); an uploaded PDF
is compared with the stored one; a wrong code answers exactly like an unknown number."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.discipline.models import Check
from core.discipline.report import check_report_bytes, check_report_store
from core.discipline.services import check_run
from tests.conftest import client_for
from tests.core.collection.conftest import district  # noqa: F401  (fixture of `subsidy`)
from tests.core.discipline.conftest import (
    BLACK,
    CLEAN,
    CLERK,
    RED,
    Setting,
    subsidy,  # noqa: F401  (fixture)
)
from tests.portal.test_reports import SITE

pytestmark = pytest.mark.django_db
PERSON = "11010519491231002X"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _issued(setting: Setting) -> tuple[Check, bytes]:
    with schema_context("wanzhou"):
        check = check_run(actor=CLERK, department=setting.finance, matter=setting.matter,
                          entries=[BLACK, RED, CLEAN, PERSON])  # fmt: skip
        stored = check_report_store(check, site=SITE, actor=CLERK)
        return stored, check_report_bytes(stored)


def _verify(number: str, code: str, pdf: bytes | None = None) -> str:
    fields: dict[str, object] = {"number": number, "code": code}
    if pdf is not None:
        fields["pdf"] = SimpleUploadedFile("核查报告.pdf", pdf, content_type="application/pdf")
    response = client_for("wanzhou.localhost").post("/reports/verify/", fields)
    assert response.status_code == 200
    return response.content.decode()


def _facts(page: str) -> list[tuple[str, str]]:
    found = re.search(r'<dl data-testid="verify-check">(.*?)</dl>', page, re.S)
    assert found is not None
    return re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", found.group(1))


def _result(page: str) -> str:
    found = re.search(r'<section class="card" role="status" data-testid="verify-result">(.*?)</section>',
                      page, re.S)  # fmt: skip
    assert found is not None
    return found.group(1).strip()


def test_the_right_code_answers_with_the_check_and_its_pdf_matches(subsidy: Setting) -> None:  # noqa: F811
    check, pdf = _issued(subsidy)

    page = _verify(check.number.lower(), check.verification_code.lower(), pdf)

    assert _facts(page) == [
        ("核查编号", check.number), ("报告类型", "信用核查报告"),
        ("核查部门", "重庆市万州区财政局"), ("事项", "中小企业发展专项资金补助"),
        ("核查时间", f"{check.checked_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）"),
        ("名单条数", "4"), ("已核查主体", "3"), ("有相关信息的主体", "2"), ("未核查的条目", "1"),
    ]  # fmt: skip
    assert "验证通过" in page
    assert '<p data-testid="verify-pdf">上传的PDF文件与平台存档一致。</p>' in page
    result = _result(page)
    for private in ("重庆市万州区第1建设有限公司", BLACK, "002X", "1101"):
        assert private not in result  # counts only: no subject is named

    # The QR code's GET link (no PDF) says the same.
    link = client_for("wanzhou.localhost").get(
        "/reports/verify/", {"number": check.number, "code": check.verification_code}
    )
    assert _facts(link.content.decode()) == _facts(page)


def test_a_wrong_code_gets_the_same_answer_as_an_unknown_number(subsidy: Setting) -> None:  # noqa: F811
    check, _ = _issued(subsidy)

    wrong = _result(_verify(check.number, "ZZZZZZZZ"))
    unknown = _result(_verify("HC2026112700000000", check.verification_code))
    unknown_report = _result(_verify("XY2026112700000000", check.verification_code))

    assert wrong == unknown == unknown_report
    assert "未找到该报告，请核对报告编号和验证码。" in wrong
    assert "重庆市万州区财政局" not in wrong


def test_a_doctored_pdf_does_not_match(subsidy: Setting) -> None:  # noqa: F811
    check, pdf = _issued(subsidy)
    doctored = pdf.replace(b"/Title", b"/Titlf", 1)
    assert doctored != pdf

    page = _verify(check.number, check.verification_code, doctored)

    assert "验证通过" in page  # the number and code are right …
    assert (  # … but the file is not the one the platform stored
        '<p class="error" data-testid="verify-pdf">上传的PDF文件与平台存档不一致：'
        "它不是本平台出具的这份核查报告的原件，或已被改动。</p>"
    ) in page


def test_a_check_whose_report_was_never_downloaded_verifies_but_no_pdf_matches(
    subsidy: Setting,  # noqa: F811
) -> None:
    with schema_context("wanzhou"):
        check = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                          entries=[CLEAN])  # fmt: skip

    page = _verify(check.number, check.verification_code, b"%PDF-1.4 anything")

    assert _facts(page)[0] == ("核查编号", check.number)
    assert "上传的PDF文件与平台存档不一致" in page
