"""Reports in the standard's section order, issued only where the law allows, every query logged."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department
from core.common.errors import PermissionDenied
from core.records.models import Record
from core.reports.assembly import printable
from core.reports.models import QueryLog, Report
from core.reports.selectors import report_content, report_verify
from core.reports.services import (
    ConsentTerms,
    ReportSite,
    Requester,
    consent_record,
    report_issue,
)
from core.subjects.models import Subject
from tests.conftest import make_staff
from tests.core.collection.conftest import district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import as_csv, as_record_csv, decided, listing, penalty, uscc
from tests.support.clock import BEIJING, Clock, on_calendar_days

PERSON_ID = "11010519491231002X"
SITE = ReportSite("信用万州", "https://wanzhou.localhost/reports/verify/")


@pytest.fixture
def window(district: Department) -> User:  # noqa: F811
    return make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK)


def test_a_company_report_follows_the_standard(district: Department, window: User) -> None:  # noqa: F811
    upload(district, as_csv([penalty(1)]))
    upload(district, as_record_csv([listing(1, LX="守信激励")]), "名单.csv")
    Record.objects.filter(kind="penalty").update(disputed_since="2026-11-26T10:00:00+08:00")
    company = Subject.objects.get(uscc=uscc(1))

    report = report_issue(subject=company, requester=Requester("institution", "重庆银行万州支行", "91500101MA5U000000"),
                          purpose="贷款审查", handled_by=window, site=SITE)  # fmt: skip

    data = report_content(report)
    assert [s["title"] for s in data["sections"]] == [
        "基础信息", "行政管理", "诚实守信", "严重失信主体名单", "经营异常", "信用承诺", "信用评价",
        "司法判决", "其他", "信用状况提升建议", "公共信用信息地方补充内容",
    ]  # fmt: skip
    sections = {s["key"]: s for s in data["sections"]}
    assert sections["administration"]["items"][0]["disputed"] is True
    assert sections["abnormal"]["empty_text"] == "查询期内无相关信息"
    assert data["cover"]["labels"] == ["守信激励对象", "存在异议处理中的信息"]
    assert "score" not in str(data).lower()
    assert report_verify(number=report.number, code=report.verification_code.lower()).genuine
    log = QueryLog.objects.get()
    assert (log.result, log.report_number, log.purpose) == ("issued", report.number, "贷款审查")


def test_a_changed_stored_report_no_longer_verifies(district: Department, window: User) -> None:  # noqa: F811
    upload(district, as_csv([penalty(1)]))
    report = report_issue(subject=Subject.objects.get(), requester=Requester("self", "法定代表人", uscc(1)),
                          purpose="自查", handled_by=window, site=SITE)  # fmt: skip
    default_storage.delete(report.stored_json)
    default_storage.save(report.stored_json, ContentFile(b'{"edited": true}'))

    assert not report_verify(number=report.number, code=report.verification_code).genuine
    assert report_verify(number=report.number, code="WRONG").report is None


def test_a_person_is_not_queried_without_consent(district: Department, window: User) -> None:  # noqa: F811
    upload(district, as_csv([penalty(1, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=PERSON_ID)]))
    person = Subject.objects.get()
    bank = Requester("institution", "重庆银行万州支行", "91500101MA5U000000")

    with pytest.raises(PermissionDenied, match="查询自然人的信用信息须取得本人书面授权并说明用途"):
        report_issue(
            subject=person, requester=bank, purpose="贷款审查", handled_by=window, site=SITE
        )
    terms = ConsentTerms(grantee_name="重庆银行万州支行", grantee_code="91500101MA5U000000",
                         purpose="贷款审查", products=["credit_report"], valid_from=date(2026, 11, 1),
                         valid_until=date(2027, 5, 1))  # fmt: skip
    consent = consent_record(user=window, subject=person, terms=terms,
                             document=io.BytesIO(b"%PDF-1.4\n% signed\n"))  # fmt: skip
    with pytest.raises(PermissionDenied, match="查询人与授权书中的被授权人不一致"):
        report_issue(subject=person, requester=Requester("institution", "别的银行", "91500101MA5U000001"),
                     purpose="贷款审查", handled_by=window, site=SITE, consent_id=consent.pk)  # fmt: skip
    report = report_issue(subject=person, requester=bank, purpose="贷款审查", handled_by=window, site=SITE,
                          consent_id=consent.pk)  # fmt: skip

    data = report_content(report)
    assert data["title"] == "自然人公共信用信息报告"
    assert data["cover"]["code"] == "1101**********002X"
    basic = next(s for s in printable(data)["sections"] if s["key"] == "basic")
    assert basic["rows"] == [("姓名", data["cover"]["name"]), ("证件号码", "1101**********002X")]
    assert PERSON_ID not in str(data)
    assert list(QueryLog.objects.order_by("at", "id").values_list("result", "reason")) == [
        ("refused", "查询自然人的信用信息须取得本人书面授权并说明用途"),
        ("refused", "查询人与授权书中的被授权人不一致"),
        ("issued", ""),
    ]


def test_the_query_log_is_append_only(district: Department, window: User) -> None:  # noqa: F811
    upload(district, as_csv([penalty(1)]))
    report_issue(subject=Subject.objects.get(), requester=Requester("self", "法定代表人", uscc(1)),
                 purpose="自查", handled_by=window, site=SITE)  # fmt: skip

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        QueryLog.objects.update(purpose="改动")


def test_the_pdf_carries_real_chinese_text(district: Department, window: User) -> None:  # noqa: F811
    from pypdf import PdfReader

    upload(district, as_csv([penalty(1)]))
    report = report_issue(subject=Subject.objects.get(), requester=Requester("self", "法定代表人", uscc(1)),
                          purpose="自查", handled_by=window, site=SITE)  # fmt: skip

    with default_storage.open(report.stored_pdf, "rb") as handle:
        pdf = handle.read()
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("法人和非法人组织公共信用信息报告", report.number, report.verification_code,
                     "重庆市万州区第1建设有限公司", "查询期内无相关信息", "万州市监罚〔2026〕1号"):  # fmt: skip
        assert expected in text
    assert b"/FontFile2" in pdf  # the Chinese font is embedded (subset), not left to the viewer
    assert b"NotoSansSC" in pdf  # the vendored Noto Sans SC (ADR 0017)


def test_a_subjects_own_report_lists_who_queried_it(district: Department, window: User) -> None:  # noqa: F811
    upload(district, as_csv([penalty(1)]))
    company = Subject.objects.get()
    bank = Requester("institution", "重庆银行万州支行", "91500101MA5U000000")
    report_issue(subject=company, requester=bank, purpose="贷款审查", handled_by=window, site=SITE)

    own = report_content(report_issue(subject=company, requester=Requester("self", "法定代表人", uscc(1)),
                                      purpose="自查", handled_by=window, site=SITE))  # fmt: skip
    for_bank = report_content(report_issue(subject=company, requester=bank, purpose="贷后管理",
                                           handled_by=window, site=SITE))  # fmt: skip

    queried = next(s for s in own["sections"] if s["key"] == "queries")
    assert [(q["requester"], q["purpose"]) for q in queried["items"]] == [
        ("重庆银行万州支行", "贷款审查")
    ]
    assert "queries" not in {s["key"] for s in for_bank["sections"]}


def test_a_persons_third_own_report_in_a_year_is_charged(
    district: Department,  # noqa: F811
    window: User,
) -> None:
    from core.common.errors import ValidationFailed
    from core.reports.services import window_price_set

    upload(district, as_csv([penalty(1, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=PERSON_ID)]))
    person = Subject.objects.get()
    me = Requester("self", "张三", PERSON_ID)
    admin = make_staff("wanzhou", "price-admin@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    window_price_set(user=admin, product="credit_report", price_yuan="20")
    for _ in range(2):
        report_issue(subject=person, requester=me, purpose="自查", handled_by=window, site=SITE)

    with pytest.raises(ValidationFailed, match="本人本年度第3次查询，按收费标准收费20.00元"):
        report_issue(subject=person, requester=me, purpose="自查", handled_by=window, site=SITE)
    report_issue(subject=person, requester=me, purpose="自查", handled_by=window, site=SITE,
                 fee_collected=True)  # fmt: skip

    fees = list(QueryLog.objects.order_by("at", "id").values_list("fee_yuan", flat=True))
    assert [str(f) for f in fees] == ["0.00", "0.00", "20.00"]


def test_self_queries_need_the_subjects_own_papers(district: Department, window: User) -> None:  # noqa: F811
    upload(district, as_csv([penalty(1, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=PERSON_ID)]))
    person = Subject.objects.get()

    with pytest.raises(PermissionDenied, match="本人查询须核验本人证件"):
        report_issue(subject=person, requester=Requester("self", "冒名者", "110105194912310038"),
                     purpose="自查", handled_by=window, site=SITE)  # fmt: skip
    assert QueryLog.objects.get().result == "refused"


@on_calendar_days
def test_a_persons_two_free_reports_start_again_on_new_years_day_in_beijing(
    today: date,
    district: Department,  # noqa: F811
    window: User,
    clock: Clock,
) -> None:
    from core.reports.services import window_price_set

    upload(district, as_csv([penalty(1, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM=PERSON_ID,
                                     **decided(days_ago=0))]))  # fmt: skip
    person, me = Subject.objects.get(), Requester("self", "张三", PERSON_ID)
    admin = make_staff("wanzhou", "price-admin@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    window_price_set(user=admin, product="credit_report", price_yuan="20")
    for _ in range(2):
        report_issue(subject=person, requester=me, purpose="自查", handled_by=window, site=SITE)

    # Half an hour into the new year in Beijing: still 31 December in UTC.
    clock.move_to(datetime(today.year + 1, 1, 1, 0, 30, tzinfo=BEIJING))
    report_issue(subject=person, requester=me, purpose="自查", handled_by=window, site=SITE)

    fees = list(QueryLog.objects.order_by("at", "id").values_list("fee_yuan", flat=True))
    assert [str(f) for f in fees] == ["0.00", "0.00", "0.00"]


def pdf_pages(report: Report) -> list[list[str]]:
    """The report's PDF read back: each page's lines of text."""
    from pypdf import PdfReader

    with default_storage.open(report.stored_pdf, "rb") as handle:
        return [p.extract_text().splitlines() for p in PdfReader(io.BytesIO(handle.read())).pages]


def test_a_report_issued_at_half_past_eleven_utc_carries_the_next_beijing_day(
    clock: Clock,
    district: Department,  # noqa: F811
    window: User,
) -> None:
    clock.move_to(datetime(2026, 12, 6, 23, 30, tzinfo=UTC))  # 07:30 on 7 December in Beijing
    upload(district, as_csv([penalty(1)]))
    company = Subject.objects.get()
    bank = Requester("institution", "重庆银行万州支行", "91500101MA5U000000")
    report_issue(subject=company, requester=bank, purpose="贷款审查", handled_by=window, site=SITE)

    report = report_issue(subject=company, requester=Requester("self", "法定代表人", uscc(1)),
                          purpose="自查", handled_by=window, site=SITE)  # fmt: skip

    data = report_content(report)
    assert data["data_as_of"].startswith("2026-12-07T07:30:")
    assert data["data_as_of"].endswith("+08:00")
    queried = next(s for s in data["sections"] if s["key"] == "queries")
    assert [q["date"] for q in queried["items"]] == ["2026-12-07"]
    lines = [line for page in pdf_pages(report) for line in page]
    assert lines[lines.index("数据截止时间") + 1] == "2026-12-07 07:30"
    queries = lines.index("12. 被查询记录")
    assert lines[queries + 5 : queries + 9] == [
        "2026-12-07",
        "重庆银行万州支行",
        "机构",
        "贷款审查",
    ]


def test_the_pdf_reads_in_chinese_with_unbroken_dates_page_numbers_and_issuer(
    district: Department,  # noqa: F811
    window: User,
) -> None:
    upload(district, as_csv([penalty(1)]))
    report = report_issue(subject=Subject.objects.get(), requester=Requester("self", "法定代表人", uscc(1)),
                          purpose="自查", handled_by=window, site=SITE)  # fmt: skip

    pages = pdf_pages(report)
    lines = [line for page in pages for line in page]
    basic = lines.index("1. 基础信息")
    assert lines[basic + 1 : basic + 13] == [
        " 项目", "内容", "名称", "重庆市万州区第1建设有限公司", "统一社会信用代码", uscc(1),
        "主体类别", "法人及非法人组织", "曾用名", "—", "其他代码", "—",
    ]  # fmt: skip
    for english in ("name", "uscc", "kind", "former_names", "other_codes", "legal"):
        assert english not in lines
    assert "2026-11-20" in lines
    assert "2027-11-20" in lines
    assert lines[lines.index("出具平台") + 1] == "信用万州"
    assert lines[lines.index("运营机构") + 1] == "公共信用信息平台运营方"
    footer = f"出具平台：信用万州　运营机构：公共信用信息平台运营方　报告编号：{report.number}"
    for number, page in enumerate(pages, start=1):
        assert page[-2:] == [footer, f"第 {number} 页 共 {len(pages)} 页"]
    assert ("本报告依据公共信用信息目录归集的信息出具，仅反映数据截止时间前平台归集并依法可以提供的信息，"
            "不含信用评分；数据截止时间之后信息的新增、变更、修复或撤销不在本报告内。") in "".join(lines)  # fmt: skip
