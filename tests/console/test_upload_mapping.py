"""The column mapping in the console: a file with a column the platform does not know waits on
its batch page, the clerk ignores the column (their other choices kept when something is still
wrong), the decision is saved as the department's profile (listed, deletable), and a record
shows which of its fields the platform derived."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department, StaffAssignment
from core.collection.models import MappingProfile, UploadBatch, UploadBatchStatus
from core.records.fields import PENALTY_FIELDS
from core.records.models import Record
from tests.conftest import make_staff
from tests.core.collection.files import penalty, uscc
from tests.support.pages import signed_in

LABELS = [s.label for s in PENALTY_FIELDS if s.code in penalty(1)]


def penalty_file(*serials: int, extra: tuple[str, ...] = ("经办人",)) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*LABELS, *extra])
    for serial in serials:
        writer.writerow([*penalty(serial).values(), *("赵六" for _ in extra)])
    return out.getvalue().encode("gbk")


def post_file(client: Client, department: Department, content: bytes, capture: Any) -> UploadBatch:
    with capture(execute=True):  # the upload's ingest task, in-process
        client.post(
            "/console/uploads/",
            {"department": department.pk, "file": SimpleUploadedFile("处罚.csv", content)},
        )
    return UploadBatch.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_a_clerk_ignores_an_unknown_column_once(
    clerk: User, department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(clerk)
    batch = post_file(client, department, penalty_file(1, 2), django_capture_on_commit_callbacks)

    page = client.get(f"/console/uploads/{batch.pk}/").content.decode()

    assert batch.status == UploadBatchStatus.MAPPING
    assert Record.objects.count() == 0
    assert "第18列“经办人”未识别：请选择它对应的字段，或忽略该列" in page
    assert page.count('data-testid="mapping-select"') == 18
    assert re.search(r'<tr data-testid="mapping-column" data-status="未识别">\s*<td>18</td>', page)

    width = len(LABELS) + 1
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/console/uploads/{batch.pk}/mapping/",
            {"kind": "CF", **{f"col-{i}": "" for i in range(width - 1)}, "col-17": "-"},
        )

    assert done["Location"] == f"/console/uploads/{batch.pk}/"
    batch.refresh_from_db()
    assert (batch.status, batch.stored) == (UploadBatchStatus.DONE, 2)
    profile = MappingProfile.objects.get()
    assert profile.decisions["17"] == ""
    assert profile.saved_by == "clerk@wanzhou.test"

    again = post_file(client, department, penalty_file(3), django_capture_on_commit_callbacks)

    assert (again.status, again.stored) == (UploadBatchStatus.DONE, 1)
    summary = client.get(f"/console/uploads/{again.pk}/").content.decode()
    assert "映射确认：映射方案（clerk@wanzhou.test保存）" in summary
    listing = client.get("/console/uploads/mappings/").content.decode()
    assert "<td>经办人</td><td>不导入</td>" in listing

    client.post("/console/uploads/mappings/", {"delete": profile.pk})

    assert MappingProfile.objects.count() == 0
    third = post_file(client, department, penalty_file(4), django_capture_on_commit_callbacks)
    assert third.status == UploadBatchStatus.MAPPING


def test_a_mapping_still_wrong_is_shown_again_with_the_clerks_choices(
    clerk: User, department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(clerk)
    content = penalty_file(1, extra=("经办人", "联系电话"))
    batch = post_file(client, department, content, django_capture_on_commit_callbacks)

    response = client.post(
        f"/console/uploads/{batch.pk}/mapping/", {"kind": "CF", "col-17": "-", "col-18": ""}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "第19列“联系电话”未识别：请选择它对应的字段，或忽略该列" in body
    assert "第18列“经办人”未识别" not in body
    chosen = re.search(r'<select name="col-17".*?</select>', body, re.S)
    assert chosen is not None
    assert '<option value="-" selected>忽略此列（不导入）</option>' in chosen.group(0)
    batch.refresh_from_db()
    assert batch.status == UploadBatchStatus.MAPPING
    assert Record.objects.count() == 0


def test_another_departments_clerk_cannot_map_its_batch(
    clerk: User, department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    batch = post_file(
        signed_in(clerk), department, penalty_file(1), django_capture_on_commit_callbacks
    )
    stranger = make_staff("wanzhou", "traffic@wanzhou.test", StaffRole.DATA_CLERK)
    with schema_context("wanzhou"):
        other = Department.objects.create(code=uscc(5, head="11500101"), name="重庆市万州区交通局")
        StaffAssignment.objects.create(user=stranger, department=other)

    response = signed_in(stranger).post(
        f"/console/uploads/{batch.pk}/mapping/", {"kind": "CF", "col-17": "-"}
    )

    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.status == UploadBatchStatus.MAPPING


def test_a_record_shows_which_fields_the_platform_derived(
    clerk: User, department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    labels = [
        label for label in LABELS if label not in ("数据来源单位", "数据来源单位统一社会信用代码")
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(labels)
    row = penalty(1)
    writer.writerow([v for k, v in row.items() if k not in ("SJLY", "SJLYDM")])
    client = signed_in(clerk)
    batch = post_file(
        client, department, out.getvalue().encode("gbk"), django_capture_on_commit_callbacks
    )
    assert batch.stored == 1

    page = client.get(f"/console/records/{Record.objects.get().pk}/").content.decode()

    assert page.count('data-testid="derived-field"') == 2
    assert (
        f'{department.code} <span class="tag tag-derived">平台推定：取上传部门的统一社会信用代码</span>'
        in page
    )


def test_a_saved_profile_is_changed_column_by_column(
    clerk: User, department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(clerk)
    batch = post_file(client, department, penalty_file(1), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/console/uploads/{batch.pk}/mapping/", {"kind": "CF", "col-17": "-"})
    profile = MappingProfile.objects.get()
    chosen = {f"col-{i}": code for i, code in profile.decisions.items()}

    page = client.get(f"/console/uploads/mappings/{profile.pk}/").content.decode()
    refused = client.post(f"/console/uploads/mappings/{profile.pk}/", {**chosen, "col-17": "WSH"})
    saved = client.post(f"/console/uploads/mappings/{profile.pk}/", {**chosen, "col-17": "BZ"})

    assert 'aria-label="第18列“经办人”对应的字段"' in page
    assert refused.status_code == 400
    assert "第5列“行政处罚决定书文号”、第18列“经办人”对应同一字段（行政处罚决定书文号）" in (
        refused.content.decode()
    )
    assert saved["Location"] == "/console/uploads/mappings/"
    profile.refresh_from_db()
    assert profile.decisions["17"] == "BZ"
    again = post_file(client, department, penalty_file(2), django_capture_on_commit_callbacks)
    assert (again.stored, Record.objects.latest("pk").fields["CF_BZ"]) == (1, "赵六")
