from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department, StaffAssignment
from core.collection.models import UploadBatch
from core.records.models import Record
from tests.conftest import client_for, make_staff
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty, uscc
from tests.support.clock import Clock

TODAY = date(2026, 11, 27)


@pytest.fixture
def department(
    wanzhou: object, settings: Any, tmp_path: Path, clock: Clock
) -> Iterator[Department]:
    settings.MEDIA_ROOT = str(tmp_path)
    clock.default_to(TODAY)
    with schema_context("wanzhou"):
        yield Department.objects.create(code=DEPARTMENT_CODE, name="重庆市万州区市场监督管理局")


def signed_in(user: User) -> Client:
    client = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        client.force_login(user)
    return client


@pytest.fixture
def clerk(department: Department) -> User:
    user = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)
    with schema_context("wanzhou"):
        StaffAssignment.objects.create(user=user, department=department)
    return user


def test_a_clerk_uploads_and_sees_every_rejected_row(
    clerk: User, department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(clerk)
    content = as_csv([penalty(1), penalty(2, NR_FK="二千")])

    with django_capture_on_commit_callbacks(execute=True):  # the upload's ingest task, in-process
        response = client.post(
            "/console/uploads/",
            {
                "department": department.pk,
                "file": SimpleUploadedFile("处罚.csv", content, "text/csv"),
            },
        )
    response = client.get(response["Location"])

    body = response.content.decode()
    batch = UploadBatch.objects.get()
    assert response.request["PATH_INFO"] == f"/console/uploads/{batch.pk}/"
    assert '<td data-testid="stored">1</td>' in body
    assert '<td data-testid="rejected">1</td>' in body
    assert (
        "<td>3</td><td>罚款金额(万元)（CF_NR_FK）</td><td>二千</td><td>金额应为以万元计的数字，如2000元填0.2</td>"
        in body
    )
    progress = client.get(f"/console/uploads/{batch.pk}/progress/").json()
    assert progress == {
        "status": "done", "status_display": "已完成", "rows_done": 2, "rows_total": 2,
        "stored": 1, "updated": 0, "duplicate": 0, "rejected": 1,
    }  # fmt: skip
    rejected = client.get(f"/console/uploads/{batch.pk}/").context["rejected_url"]
    assert client.get(rejected).status_code == 200


def test_clerks_see_only_their_own_departments_batches(clerk: User, department: Department) -> None:
    with schema_context("wanzhou"):
        other = Department.objects.create(code=uscc(5, head="11500101"), name="重庆市万州区交通局")
        theirs = UploadBatch.objects.create(department=other, uploaded_by="x", filename="x.csv",
                                            file_name_in_storage="x", file_sha256="0" * 64, size=1)  # fmt: skip
    client = signed_in(clerk)

    assert client.get(f"/console/uploads/{theirs.pk}/").status_code == 404
    assert "x.csv" not in client.get("/console/uploads/").content.decode()


def test_manual_entry_uses_the_upload_validation(clerk: User, department: Department) -> None:
    client = signed_in(clerk)
    bad = {"department": department.pk, **penalty(1, XDR_SHXYM="91500101000000019X")}
    good = {"department": department.pk, **penalty(1)}

    refused = client.post("/console/records/new/", bad)
    saved = client.post("/console/records/new/", good)

    assert refused.status_code == 200
    assert refused.context["form"].errors["XDR_SHXYM"] == [
        "统一社会信用代码校验位错误：第18位应为“M”，实为“X”"
    ]
    record = Record.objects.get()
    assert saved["Location"] == f"/console/records/{record.pk}/"
    assert record.created_by == "clerk@wanzhou.test"


def test_subject_search_and_page_show_records_with_their_windows(
    clerk: User, department: Department
) -> None:
    client = signed_in(clerk)
    client.post("/console/records/new/", {"department": department.pk, **penalty(1)})
    subject_id = Record.objects.get().subject_id

    by_name = client.post("/console/subjects/", {"q": "第1建设"}, follow=True)
    by_code = client.post("/console/subjects/", {"q": uscc(1).lower()}, follow=True)
    page = client.get(f"/console/subjects/{subject_id}/").content.decode()

    assert [s.pk for s in by_name.context["subjects"]] == [subject_id]
    assert [s.pk for s in by_code.context["subjects"]] == [subject_id]
    assert "<td>2026-11-20 至 2027-11-20</td><td>2027-02-20起</td>" in page
    assert "<td>公示中</td>" in page


def test_reviewers_withdraw_and_clerks_cannot(clerk: User, department: Department) -> None:
    signed_in(clerk).post("/console/records/new/", {"department": department.pk, **penalty(1)})
    record = Record.objects.get()
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    form = {"reason": "复议撤销", "revoked_on": "2026-11-26"}

    refused = signed_in(clerk).post(f"/console/records/{record.pk}/", form)
    done = signed_in(reviewer).post(f"/console/records/{record.pk}/", form)

    assert refused.context["form"].non_field_errors() == [
        "此操作需要以下角色之一：审核员、区县管理员"
    ]
    assert done.status_code == 302
    assert Record.objects.get().withdrawal_reason == "复议撤销"


def test_an_admin_adds_a_clerk_with_a_department(
    wanzhou_admin: User, department: Department
) -> None:
    client = signed_in(wanzhou_admin)

    missing = client.post(
        "/console/staff/", {"email": "a@wanzhou.test", "full_name": "甲", "role": "data_clerk"}
    )
    created = client.post(
        "/console/staff/",
        {
            "email": "b@wanzhou.test",
            "full_name": "乙",
            "role": "data_clerk",
            "department": department.pk,
        },
    )

    assert missing.context["form"].errors == {"department": ["数据录入员必须指定所属部门"]}
    assert "/console/first-login/" in created.context["link"]
    with schema_context("wanzhou"):
        assert StaffAssignment.objects.get(user__email="b@wanzhou.test").department == department


def test_only_admins_manage_staff(clerk: User) -> None:
    assert signed_in(clerk).get("/console/staff/").status_code == 404


@pytest.mark.parametrize(
    ("prefix", "first_header"), [("CF", "行政相对人名称"), ("JL", "行政相对人名称")]
)
def test_blank_templates_download_with_chinese_headers(
    clerk: User, prefix: str, first_header: str
) -> None:
    response = signed_in(clerk).get(f"/console/uploads/template/{prefix}.csv")

    text = response.content.decode("utf-8-sig")
    assert text.split(",")[0] == first_header
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")


def test_a_reviewer_accepts_a_submission_from_the_console(department: Department) -> None:
    from core.collection.submissions import SubmissionForm, submission_create

    with schema_context("wanzhou"):
        submission = submission_create(
            form=SubmissionForm(
                "praise",
                "重庆市万州区第1建设有限公司",
                uscc(1),
                "连续五年按时足额纳税，积极参与公益。",
                "王五",
                "13800000000",
            ),
            client="x",
        )
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    client = signed_in(reviewer)
    assert submission.receipt_no in client.get("/console/submissions/").content.decode()

    response = client.post(
        f"/console/submissions/{submission.pk}/",
        {"accept": "1", "department": department.pk, "LX": "守信激励", "WSH": "万州发改表〔2026〕9号",
         "NR": "纳税信用A级", "JDRQ": "2026-11-20", "note": "核实属实"},
    )  # fmt: skip

    record = Record.objects.get()
    assert response["Location"] == f"/console/records/{record.pk}/"
    assert (record.kind, record.submission_id, record.fields["JL_BZ"]) == (
        "red_list", submission.pk, f"来源：信用征集 {submission.receipt_no}",
    )  # fmt: skip


def test_a_record_is_corrected_from_its_page_and_keeps_its_history(
    clerk: User, department: Department
) -> None:
    from core.records.models import RecordRevision

    client = signed_in(clerk)
    client.post("/console/records/new/", {"department": department.pk, **penalty(1)})
    record = Record.objects.get()

    form = client.get(f"/console/records/new/?from={record.pk}").context["form"]
    values = {name: form.initial.get(name, "") for name in form.fields} | {
        "set": "CF",
        "NR": "罚款人民币叁仟元整",
        "NR_FK": "0.3",
    }
    response = client.post("/console/records/new/", values)

    assert response["Location"] == f"/console/records/{record.pk}/"
    assert Record.objects.get().fine_wan == Decimal("0.3")
    assert RecordRevision.objects.get().fields["CF_NR_FK"] == "0.2"


def test_only_the_supplying_department_sees_the_number_it_is_correcting(
    clerk: User, department: Department
) -> None:
    person = penalty(1, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")
    signed_in(clerk).post("/console/records/new/", {"department": department.pk, **person})
    record = Record.objects.get()
    with schema_context("wanzhou"):
        other = Department.objects.create(code=uscc(7, head="11500101"), name="万州区税务局")
    outsider = make_staff("wanzhou", "outsider@wanzhou.test", StaffRole.DATA_CLERK)
    with schema_context("wanzhou"):
        StaffAssignment.objects.create(user=outsider, department=other)

    own = signed_in(clerk).get(f"/console/records/new/?from={record.pk}").context["form"]
    theirs = signed_in(outsider).get(f"/console/records/new/?from={record.pk}").context["form"]
    page = signed_in(outsider).get(f"/console/records/{record.pk}/").content.decode()

    assert own.initial["XDR_ZJHM"] == "11010519491231002X"
    assert theirs.initial["XDR_ZJHM"] == "1101**********002X"
    assert "11010519491231002X" not in page
    from core.audit.models import AuditEntry

    with schema_context("wanzhou"):
        shown = AuditEntry.objects.filter(action="record.numbers_shown")
        assert [(e.actor_label, e.record_id, e.details) for e in shown] == [
            (clerk.email, record.pk, {"fields": ["CF_XDR_ZJHM"], "for": "correction"})
        ]


def test_other_kinds_are_entered_with_the_general_template(
    clerk: User, department: Department
) -> None:
    from tests.core.collection.files import listing

    response = signed_in(clerk).post(
        "/console/records/new/", {"set": "JL", "department": department.pk, **listing(1)}
    )

    assert response.status_code == 302
    assert Record.objects.get().kind == "black_list"
