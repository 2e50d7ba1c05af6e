from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.collection.models import Submission, SubmissionStatus
from core.collection.submissions import (
    RENDER_SALT,
    HumanCheck,
    SubmissionForm,
    submission_accept,
    submission_create,
    submission_reject,
)
from core.common.errors import PermissionDenied, ValidationFailed
from core.common.render_tokens import render_token_issue
from core.records.models import Record
from tests.conftest import client_for, make_staff
from tests.core.collection.files import DEPARTMENT_CODE, uscc
from tests.support.clock import BEIJING, Clock

FORM = SubmissionForm(
    "praise",
    "重庆市万州区第1建设有限公司",
    uscc(1),
    "该公司连续五年按时足额缴纳税款，积极参与公益。",
    "王五",
    "023-58888888",
)


@pytest.fixture
def district(wanzhou: object, settings: Any, tmp_path: Path) -> Iterator[Department]:
    settings.MEDIA_ROOT = str(tmp_path)
    cache.clear()
    with schema_context("wanzhou"):
        yield Department.objects.create(code=DEPARTMENT_CODE, name="重庆市万州区发展和改革委员会")


@pytest.fixture
def reviewer(district: Department) -> User:
    return make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)


def accept_values(department: Department, **changes: str) -> dict[str, str]:
    values = {
        "XDR_MC": FORM.subject_name, "XDR_LB": "法人及非法人组织", "XDR_SHXYM": uscc(1), "LX": "守信激励",
        "WSH": "万州发改表〔2026〕1号", "NR": "连续五年纳税信用A级", "JDRQ": "2026-11-20", "JG": department.name,
        "JGDM": department.code, "SJLY": department.name, "SJLYDM": department.code,
    }  # fmt: skip
    values.update(changes)
    return values


def test_a_submission_gets_a_receipt_and_waits_for_review(district: Department) -> None:
    submission = submission_create(form=FORM, client="203.0.113.7")

    assert submission.receipt_no.startswith("ZJ")
    assert len(submission.receipt_no) == 17
    assert submission.status == SubmissionStatus.PENDING
    assert AuditEntry.objects.filter(action="submission.create").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"subject_code": "91500101000000019X"},
            "subject_code",
            "统一社会信用代码校验位错误：第18位应为“M”，实为“X”",
        ),
        ({"content": "太短"}, "content", "内容应为10–4000字，请写明时间、地点和事实"),
        ({"contact_phone": "12"}, "contact_phone", "请填写有效的联系电话"),
        ({"kind": "spam"}, "kind", "请选择征集类别"),
    ],
)
def test_bad_submissions_say_which_field(
    district: Department, changes: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        submission_create(form=SubmissionForm(**{**FORM.__dict__, **changes}), client="x")

    assert (caught.value.field, caught.value.message) == (field, message)


def test_submissions_are_rate_limited_per_client(district: Department) -> None:
    for _ in range(5):
        submission_create(form=FORM, client="198.51.100.1")

    with pytest.raises(ValidationFailed, match="提交过于频繁"):
        submission_create(form=FORM, client="198.51.100.1")
    submission_create(form=FORM, client="198.51.100.2")


def test_only_pdfs_and_images_up_to_5_mb_are_attached(district: Department) -> None:
    pdf = submission_create(
        form=FORM, client="a", attachment=io.BytesIO(b"%PDF-1.7 proof"), attachment_name="证明.pdf"
    )
    assert pdf.attachment.endswith(".pdf")

    with pytest.raises(ValidationFailed, match="附件只接受PDF、PNG或JPG文件"):
        submission_create(
            form=FORM, client="b", attachment=io.BytesIO(b"MZ\x90\x00exe"), attachment_name="x.pdf"
        )
    with pytest.raises(ValidationFailed, match="附件不能超过5 MB"):
        submission_create(
            form=FORM,
            client="c",
            attachment=io.BytesIO(b"%PDF" + b"0" * 5_300_000),
            attachment_name="big.pdf",
        )


def test_an_accepted_submission_becomes_a_record_naming_its_source(
    district: Department, reviewer: User
) -> None:
    submission = submission_create(form=FORM, client="x")

    result = submission_accept(
        actor=reviewer, submission=submission, department=district, values=accept_values(district)
    )

    record = Record.objects.get()
    assert not isinstance(result, list)
    assert (record.kind, record.submission_id, record.pk) == (
        "red_list",
        submission.pk,
        result.record_id,
    )
    reviewed = Submission.objects.get()
    assert (reviewed.status, reviewed.record_id, reviewed.reviewed_by) == (
        "accepted",
        record.pk,
        "reviewer@wanzhou.test",
    )
    with pytest.raises(ValidationFailed, match="该信用征集已审核"):
        submission_reject(actor=reviewer, submission=reviewed, note="重复")


def test_acceptance_with_bad_record_values_stores_nothing(
    district: Department, reviewer: User
) -> None:
    submission = submission_create(form=FORM, client="x")

    result = submission_accept(actor=reviewer, submission=submission, department=district,
                               values=accept_values(district, JDRQ="2026-13-01"))  # fmt: skip

    assert isinstance(result, list)
    assert [p.field for p in result] == ["JL_JDRQ"]
    assert Record.objects.count() == 0
    assert Submission.objects.get().status == "pending"


def test_rejection_needs_a_reason_and_a_reviewer(district: Department, reviewer: User) -> None:
    submission = submission_create(form=FORM, client="x")
    clerk = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)

    with pytest.raises(ValidationFailed, match="未采纳须说明理由"):
        submission_reject(actor=reviewer, submission=submission, note=" ")
    with pytest.raises(PermissionDenied):
        submission_reject(actor=clerk, submission=submission, note="x")
    done = submission_reject(actor=reviewer, submission=submission, note="经核实与事实不符")
    assert (done.status, done.review_note) == ("rejected", "经核实与事实不符")


def _portal_post(rendered: str, **changes: Any) -> Any:
    data = {"kind": "praise", "subject_name": FORM.subject_name, "subject_code": "", "content": FORM.content,
            "contact_name": "王五", "contact_phone": "13800000000", "website": "", "rendered": rendered, **changes}  # fmt: skip
    return client_for("wanzhou.localhost").post("/submissions/new/", data)


@pytest.fixture
def filled_in(clock: Clock) -> Any:
    """Render tokens of forms a person took ten seconds to fill in."""
    clock.move_to(datetime.now(tz=BEIJING))

    def token() -> str:
        rendered = render_token_issue(salt=RENDER_SALT)
        clock.shift(timedelta(seconds=10))
        return rendered

    return token


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_the_portal_form_gives_a_receipt_that_finds_the_status(
    district: Department, filled_in: Any
) -> None:
    rendered = filled_in()

    response = _portal_post(
        rendered, attachment=SimpleUploadedFile("证明.pdf", b"%PDF-1.4 x", "application/pdf")
    )

    receipt = response.context["submission"].receipt_no
    assert f'<strong data-testid="receipt">{receipt}</strong>' in response.content.decode()
    status = client_for("wanzhou.localhost").post(
        "/receipts/", {"receipt": receipt.lower(), "code": "13800000000"}
    )
    assert '<dd data-testid="progress-status">待审核</dd>' in status.content.decode()
    assert "王五" not in status.content.decode()


@pytest.mark.parametrize(("filled_for", "website"), [(0, ""), (10, "http://spam.example")])
def test_bots_are_turned_away(
    district: Department, clock: Clock, filled_for: int, website: str
) -> None:
    clock.move_to(datetime.now(tz=BEIJING))
    rendered = render_token_issue(salt=RENDER_SALT)
    clock.shift(timedelta(seconds=filled_for))

    response = _portal_post(rendered, website=website)

    assert response.context["form"].non_field_errors() == ["提交未通过校验，请稍候片刻后重新提交"]
    assert Submission.objects.count() == 0


def test_a_form_is_taken_once(district: Department, filled_in: Any) -> None:
    rendered = filled_in()
    first = _portal_post(rendered)

    again = _portal_post(rendered)

    assert first.context["submission"].receipt_no.startswith("ZJ")
    assert again.context["form"].non_field_errors() == [
        "该表单已提交过，请勿重复提交；如需再次提交，请刷新页面后重新填写"
    ]
    assert Submission.objects.count() == 1
    # The form comes back with a fresh token, which a person may send once more.
    assert again.context["form"].data["rendered"] != rendered


def test_an_invalid_form_does_not_spend_its_token(district: Department, filled_in: Any) -> None:
    rendered = filled_in()
    refused = _portal_post(rendered, content="太短")

    fixed = _portal_post(rendered)

    assert refused.context["form"].errors == {
        "content": ["内容应为10–4000字，请写明时间、地点和事实"]
    }
    assert fixed.context["submission"].receipt_no.startswith("ZJ")


PDF = b"%PDF-1.7 proof"


@pytest.mark.parametrize(
    ("changes", "attachment", "message"),
    [
        ({}, b"MZ\x90\x00exe", "附件只接受PDF、PNG或JPG文件"),
        ({"content": "太短"}, PDF, "内容应为10–4000字，请写明时间、地点和事实"),
        ({"contact_phone": "12"}, PDF, "请填写有效的联系电话"),
    ],
)
def test_a_refused_submission_keeps_no_file(
    district: Department, tmp_path: Path, changes: dict[str, str], attachment: bytes, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        submission_create(form=SubmissionForm(**{**FORM.__dict__, **changes}), client="x",
                          attachment=io.BytesIO(attachment), attachment_name="证明.pdf")  # fmt: skip

    assert refused.value.message == message
    assert stored_files(tmp_path) == []
    assert Submission.objects.count() == 0


def test_the_rate_limit_comes_before_the_attachment_is_kept(
    district: Department, tmp_path: Path
) -> None:
    for _ in range(5):
        submission_create(form=FORM, client="198.51.100.1")

    with pytest.raises(ValidationFailed) as refused:
        submission_create(form=FORM, client="198.51.100.1", attachment=io.BytesIO(PDF),
                          attachment_name="证明.pdf")  # fmt: skip

    assert refused.value.message == "提交过于频繁，请一小时后再试"
    assert stored_files(tmp_path) == []


def test_a_replayed_form_keeps_no_file(
    district: Department, tmp_path: Path, filled_in: Any
) -> None:
    human = HumanCheck(render_token=filled_in())
    first = submission_create(form=FORM, client="x", human=human, attachment=io.BytesIO(PDF),
                              attachment_name="证明.pdf")  # fmt: skip

    with pytest.raises(ValidationFailed, match="该表单已提交过"):
        submission_create(form=FORM, client="x", human=human, attachment=io.BytesIO(PDF),
                          attachment_name="证明.pdf")  # fmt: skip

    assert stored_files(tmp_path) == [tmp_path / "wanzhou" / first.attachment]
