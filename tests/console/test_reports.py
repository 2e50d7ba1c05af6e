"""The service-hall window issues reports (or says why not), and the portal verifies them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.subjects.models import Subject
from tests.conftest import client_for, make_staff
from tests.core.collection.conftest import upload
from tests.core.collection.files import as_csv, penalty
from tests.support.clock import Clock
from tests.support.pages import signed_in


@pytest.fixture
def window(department: Department) -> Client:
    with schema_context("wanzhou"):
        upload(department, as_csv([  # the person's row first: its columns make the header
            penalty(2, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X", XDR_MC="张三"),
            penalty(1),
        ]))  # fmt: skip
    return signed_in(make_staff("wanzhou", "window@wanzhou.test", StaffRole.WINDOW_CLERK))


def subject_id(name_part: str) -> int:
    with schema_context("wanzhou"):
        return Subject.objects.get(name__contains=name_part).pk


def test_a_company_report_is_issued_printed_and_verified(window: Client) -> None:
    company = subject_id("建设")
    response = window.post(f"/console/subjects/{company}/window/", {
        "issue": "1", "requester_kind": "institution", "requester_name": "重庆银行万州支行",
        "requester_code": "91500101MA5U000000", "purpose": "贷款审查",
    })  # fmt: skip
    assert response.status_code == 302
    page = window.get(response["Location"]).content.decode()
    assert "法人和非法人组织公共信用信息报告" in page
    assert "查询期内无相关信息" in page
    number = re.search(r'data-testid="report-number">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    code = re.search(r'data-testid="report-code">([^<]+)<', page).group(1)  # type: ignore[union-attr]

    verified = client_for("wanzhou.localhost").get(f"/reports/verify/?number={number}&code={code}")
    assert "验证通过" in verified.content.decode()
    wrong = client_for("wanzhou.localhost").get(f"/reports/verify/?number={number}&code=AAAAAAAA")
    assert "未找到该报告" in wrong.content.decode()


def test_a_person_without_consent_is_refused_with_the_reason(window: Client) -> None:
    person = subject_id("张三")

    page = window.post(f"/console/subjects/{person}/window/", {
        "issue": "1", "requester_kind": "institution", "requester_name": "重庆银行万州支行",
        "requester_code": "91500101MA5U000000", "purpose": "贷款审查",
    }).content.decode()  # fmt: skip

    assert "查询自然人的信用信息须取得本人书面授权并说明用途" in page
    assert "拒绝" in page  # the refusal is in the query log shown below


def test_data_clerks_do_not_use_the_window(department: Department) -> None:
    clerk = signed_in(make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK))
    with schema_context("wanzhou"):
        upload(department, as_csv([penalty(1)]))

    assert clerk.get(f"/console/subjects/{subject_id('建设')}/window/").status_code == 404


def test_the_report_page_reads_in_chinese_on_beijing_time(clock: Clock, window: Client) -> None:
    clock.move_to(datetime(2026, 12, 6, 23, 30, tzinfo=UTC))  # 07:30 on 7 December in Beijing
    company = subject_id("建设")
    issued = window.post(f"/console/subjects/{company}/window/", {
        "issue": "1", "requester_kind": "institution", "requester_name": "重庆银行万州支行",
        "requester_code": "91500101MA5U000000", "purpose": "贷款审查",
    })  # fmt: skip
    page = window.get(issued["Location"]).content.decode()

    assert re.search(r'data-testid="report-as-of">2026-12-07 07:30<', page)
    assert '<dt>出具平台</dt><dd data-testid="report-platform">信用万州</dd>' in page
    assert '<dt>运营机构</dt><dd data-testid="report-operator">公共信用信息平台运营方</dd>' in page
    basic = re.search(r'<dl data-testid="report-basic">(.*?)</dl>', page).group(1)  # type: ignore[union-attr]
    assert re.findall(r"<dt>([^<]+)</dt>", basic) == [
        "名称", "统一社会信用代码", "主体类别", "曾用名", "其他代码"
    ]  # fmt: skip
    assert "<dt>主体类别</dt><dd>法人及非法人组织</dd>" in basic
