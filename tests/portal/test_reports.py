"""The portal's report verification says whose report it is and compares an uploaded PDF with
the one the platform issued (posted with CSRF, size-limited); the QR code's GET link still works."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.reports.models import Report
from core.reports.selectors import ReportSite
from core.reports.services import Requester, report_issue
from core.subjects.models import Subject
from tests.conftest import client_for, make_staff
from tests.core.collection.conftest import upload
from tests.core.collection.files import as_csv, penalty, uscc
from tests.support.clock import Clock

PERSON_ID = "11010519491231002X"
SITE = ReportSite("信用万州", "https://wanzhou.localhost/reports/verify/")


def issued(department: Department, *, person: bool = False) -> tuple[Report, bytes]:
    """A report issued at the window, with its PDF as issued."""
    with schema_context("wanzhou"):
        row = (
            penalty(1, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=PERSON_ID, XDR_MC="张三")
            if person
            else penalty(1)
        )
        upload(department, as_csv([row]))
        window = make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK)
        subject = Subject.objects.get()
        me = (
            Requester("self", "张三", PERSON_ID)
            if person
            else Requester("self", "法定代表人", uscc(1))
        )
        report = report_issue(
            subject=subject, requester=me, purpose="自查", handled_by=window, site=SITE
        )
        with default_storage.open(report.stored_pdf, "rb") as handle:
            return report, handle.read()  # fmt: skip


def verify(report: Report, pdf: bytes | None = None, client: Client | None = None) -> str:
    fields: dict[str, object] = {"number": report.number, "code": report.verification_code}
    if pdf is not None:
        fields["pdf"] = SimpleUploadedFile("报告.pdf", pdf, content_type="application/pdf")
    response = (client or client_for("wanzhou.localhost")).post("/reports/verify/", fields)
    assert response.status_code == 200
    return response.content.decode()


def facts(page: str) -> list[tuple[str, str]]:
    found = re.search(r'<dl data-testid="verify-report">(.*?)</dl>', page, re.S)
    assert found is not None
    return re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", found.group(1))


def test_the_issued_pdf_matches_the_archive_and_says_whose_report_it_is(
    clock: Clock, department: Department
) -> None:
    clock.move_to(datetime(2026, 12, 6, 23, 30, tzinfo=UTC))  # 07:30 on 7 December in Beijing
    report, pdf = issued(department)

    page = verify(report, pdf)

    assert facts(page) == [
        ("报告编号", report.number), ("报告类型", "法人和非法人组织公共信用信息报告"),
        ("报告主体", "重庆市万州区第1建设有限公司"), ("统一社会信用代码", uscc(1)),
        ("出具时间", "2026-12-07 07:30（北京时间）"),
    ]  # fmt: skip
    assert '<p data-testid="verify-pdf">上传的PDF文件与平台存档一致。</p>' in page
    assert report.verification_code not in page  # not echoed back into the page


def test_a_doctored_pdf_does_not_match(department: Department) -> None:
    report, pdf = issued(department)
    doctored = pdf.replace(b"/Title", b"/Titlf", 1)
    assert doctored != pdf

    page = verify(report, doctored)

    assert "验证通过" in page  # the number and code are right ...
    assert (
        '<p class="error" data-testid="verify-pdf">上传的PDF文件与平台存档不一致：'
        "它不是本平台出具的这份报告的原件，或已被改动。</p>"
    ) in page  # ... the file is not the one issued


def test_a_persons_report_shows_only_masked_name_and_number(department: Department) -> None:
    report, _ = issued(department, person=True)

    page = verify(report)

    assert facts(page)[1:4] == [
        ("报告类型", "自然人公共信用信息报告"), ("报告主体", "张*"), ("证件号码", "1101**********002X"),
    ]  # fmt: skip
    assert "张三" not in page
    assert PERSON_ID not in page
    assert 'data-testid="verify-pdf"' not in page  # no file, no comparison


def test_the_form_posts_with_csrf_and_refuses_large_files(department: Department) -> None:
    report, _ = issued(department)
    strict = Client(HTTP_HOST="wanzhou.localhost", enforce_csrf_checks=True)

    assert (
        strict.post("/reports/verify/", {"number": report.number, "code": "X"}).status_code == 403
    )
    form = strict.get("/reports/verify/").content.decode()
    assert '<form method="post" enctype="multipart/form-data"' in form
    assert 'name="csrfmiddlewaretoken"' in form

    page = verify(report, b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024))
    assert (
        '<p class="error" role="alert" data-testid="verify-error">上传的文件超过5MB，不是本平台出具的报告PDF</p>'
        in page
    )
    assert 'data-testid="verify-result"' not in page


def test_the_qr_codes_link_still_verifies(department: Department) -> None:
    report, _ = issued(department)

    page = (
        client_for("wanzhou.localhost")
        .get(f"/reports/verify/?number={report.number}&code={report.verification_code}")
        .content.decode()
    )

    assert "验证通过" in page
    assert facts(page)[2] == ("报告主体", "重庆市万州区第1建设有限公司")


@pytest.mark.parametrize("missing", ["number", "code"])
def test_a_post_without_number_or_code_says_so(department: Department, missing: str) -> None:
    report, _ = issued(department)
    fields = {"number": report.number, "code": report.verification_code, missing: ""}

    page = client_for("wanzhou.localhost").post("/reports/verify/", fields).content.decode()

    assert (
        '<p class="error" role="alert" data-testid="verify-error">请填写报告编号和验证码</p>'
        in page
    )
