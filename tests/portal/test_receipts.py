"""办理进度查询 (issue 21): a receipt — 信用征集, 异议, 信用修复 — is followed by its number and the
applicant's code, POSTed with CSRF and counted against an hourly limit; a wrong code and an unknown
number get the same answer; the page shows the status, the deadline and the written reply. The
portal's objection form accepts the document number with any kind of brackets and spaces."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.collection.models import Submission, SubmissionKind, SubmissionStatus
from core.common.actors import Actor
from core.records.models import Record
from core.remedies.enums import Channel
from core.remedies.models import Objection
from core.remedies.services import (
    Applicant,
    objection_answer,
    objection_file,
    repair_apply,
    repair_decide,
)
from tests.conftest import client_for, make_staff
from tests.core.collection.files import uscc

NOT_FOUND = (
    '<p class="error" role="alert">未找到与该受理编号和证件号码相符的办理记录，请核对后再试</p>'
)
APPLICANT = Applicant("张三", "13800000000", Channel.PORTAL)
ACTOR = Actor.system("tests")


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    """The hourly counters live in the cache: each test starts and leaves with none spent."""
    cache.clear()
    yield
    cache.clear()


def pdf() -> io.BytesIO:
    return io.BytesIO(b"%PDF-1.4\n% test document\n")


def ask(receipt: str, code: str, client: Client | None = None) -> str:
    portal = client or client_for("wanzhou.localhost")
    return portal.post("/receipts/", {"receipt": receipt, "code": code}).content.decode()


def test_an_answered_objection_shows_its_status_deadline_and_reply(record: Record) -> None:
    with schema_context("wanzhou"):
        objection = objection_file(record=record, applicant=APPLICANT, actor=ACTOR,
                                   reason="该处罚决定已被撤销，请核实。")  # fmt: skip
        open_page = ask(objection.number.lower(), uscc(1))
        reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
        objection_answer(user=reviewer, objection=objection, outcome="confirmed",
                         reply="经核查，该处罚决定合法有效，维持原记录。", platform="信用万州")  # fmt: skip

    assert '<dd data-testid="progress-status">处理中</dd>' in open_page
    assert '<dd data-testid="progress-deadline">2026年12月17日前</dd>' in open_page
    assert '<dd class="muted">尚未答复</dd>' in open_page
    answered = ask(objection.number, uscc(1))
    assert f'<dd data-testid="progress-number">{objection.number}</dd>' in answered
    assert "<dd>信用信息异议</dd>" in answered
    assert '<dd data-testid="progress-status">维持原记录</dd>' in answered
    assert (
        '<dd data-testid="progress-reply">经核查，该处罚决定合法有效，维持原记录。</dd>' in answered
    )
    assert "张三" not in answered
    assert "13800000000" not in answered


def test_a_decided_repair_shows_the_reviewers_reason(record: Record) -> None:
    with schema_context("wanzhou"):
        application = repair_apply(record=record, applicant=APPLICANT, actor=ACTOR,
                                   statement="已缴清罚款并完成整改。",
                                   materials={"commitment": pdf(), "rectification": pdf()})  # fmt: skip
        reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
        repair_decide(user=reviewer, application=application, approve=False,
                      reason="整改证明材料不完整，请补充缴款凭证。")  # fmt: skip

    page = ask(application.number, f" {uscc(1).lower()} ")

    assert "<dd>信用修复申请</dd>" in page
    assert '<dd data-testid="progress-status">不予修复</dd>' in page
    assert '<dd data-testid="progress-reply">整改证明材料不完整，请补充缴款凭证。</dd>' in page
    assert 'data-testid="progress-deadline"' not in page


def test_a_submission_is_found_with_its_contact_phone(wanzhou: object) -> None:
    with schema_context("wanzhou"):
        Submission.objects.create(
            receipt_no="ZJ20261127-ABCDEF", kind=SubmissionKind.COMPLAINT,
            subject_name="重庆市万州区某公司", content="拖欠货款。", contact_name="王五",
            contact_phone="13800000000", status=SubmissionStatus.REJECTED,
            review_note="所述事项不属于公共信用信息目录范围。",
        )  # fmt: skip

    page = ask("ZJ20261127-ABCDEF", "138 0000 0000")

    assert '<dd data-testid="progress-status">未采纳</dd>' in page
    assert '<dd data-testid="progress-reply">所述事项不属于公共信用信息目录范围。</dd>' in page
    assert "王五" not in page
    assert NOT_FOUND in ask("ZJ20261127-ABCDEF", "13900000000")


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(record: Record) -> None:
    with schema_context("wanzhou"):
        objection = objection_file(record=record, applicant=APPLICANT, actor=ACTOR,
                                   reason="该处罚决定已被撤销，请核实。")  # fmt: skip

    wrong_code = ask(objection.number, uscc(2))
    no_such = ask("YY20261127-ZZZZZZ", uscc(1))

    def answer(page: str, number: str, code: str) -> str:
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
        return page.replace(number, "").replace(code, "")

    assert NOT_FOUND in wrong_code
    assert 'data-testid="progress"' not in wrong_code
    assert answer(wrong_code, objection.number, uscc(2)) == answer(
        no_such, "YY20261127-ZZZZZZ", uscc(1)
    )


def test_the_lookup_is_posted_with_csrf_and_rate_limited(record: Record) -> None:
    page = client_for("wanzhou.localhost").get("/receipts/?receipt=YY1&code=x").content.decode()
    assert '<form method="post" action="/receipts/" class="card" autocomplete="off">' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'value="YY1"' not in page  # nothing is read from the URL

    strict = Client(HTTP_HOST="wanzhou.localhost", enforce_csrf_checks=True)
    assert strict.post("/receipts/", {"receipt": "YY1", "code": uscc(1)}).status_code == 403

    portal = client_for("wanzhou.localhost")
    for _ in range(10):
        assert NOT_FOUND in ask("YY20261127-ZZZZZZ", uscc(1), portal)
    assert '<p class="error" role="alert">提交过于频繁，请一小时后再试</p>' in ask(
        "YY20261127-ZZZZZZ", uscc(1), portal
    )


@pytest.mark.parametrize(
    "typed",
    ["万州市监罚[2026]1号", "万州市监罚【2026】1号", "万州市监罚(2026)1号", "万州市监罚（2026）1号",
     "万州市监罚 〔2026〕 1号", "万州市监罚［２０２６］１号", " 万州市监罚〔 2026 〕1 号 "],
)  # fmt: skip
def test_the_objection_form_takes_any_brackets_and_spaces(record: Record, typed: str) -> None:
    page = client_for("wanzhou.localhost").post("/objections/new/", {
        "code": uscc(1), "doc_number": typed, "applicant_name": "张三",
        "applicant_phone": "13800000000", "reason": "该处罚决定已被撤销，请核实。",
    }).content.decode()  # fmt: skip

    assert 'data-testid="remedy-number">YY20261127-' in page
    with schema_context("wanzhou"):
        assert Objection.objects.get().record_id == record.pk
