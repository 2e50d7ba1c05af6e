"""数据上传: a clerk uploads its department's files, sees what was rejected and only its own
department's batches; the blank templates."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.catalog.models import Department
from core.collection.models import UploadBatch
from tests.core.collection.files import as_csv, penalty, uscc
from tests.support.pages import signed_in


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
