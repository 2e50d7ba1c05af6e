"""Files received from upstream go through the ordinary collection pipeline, under the department
that stands for the upstream platform, so every record they bring says where it came from."""

from __future__ import annotations

import io
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department
from core.collection.models import RejectedRow, UploadBatch
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.records.models import Record
from core.records.services import record_withdraw
from core.upstream.services import EndpointChanges, upstream_endpoint_update, upstream_export
from provisioning.services.upstream import district_upstream_endpoint_set
from tenants.models import District
from tests.conftest import make_staff
from tests.core.collection.files import DEPARTMENT_CODE, penalty, uscc
from tests.core.upstream.conftest import at, store

UPSTREAM_CODE = uscc(5000000, head="11500000")  # the municipal platform's operator


@pytest.fixture
def exported(department: Department, admin: User) -> dict[str, bytes]:
    """Wanzhou's November files as 信用重庆 passes them on: penalty 1 published, penalty 2
    withdrawn after it was reported."""
    _, withdrawn = store(department, "CF", [penalty(1), penalty(2)], at(20))
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    record_withdraw(record=withdrawn, user=reviewer, reason="原处罚决定已撤销",
                    revoked_on=date(2026, 11, 24))  # fmt: skip
    Record.objects.filter(pk=withdrawn.pk).update(withdrawn_at=at(25))
    period = {"start": date(2026, 11, 1), "end": date(2026, 11, 27)}
    return {
        fmt: upstream_export(actor=admin, fmt=fmt, **period).content.read()
        for fmt in ("csv-CF", "xlsx-CF")
    }


@pytest.fixture
def upstream_department(exported: dict[str, bytes], kaizhou: District) -> Department:
    """Kaizhou's endpoint for 信用重庆 (added by the operator, without a URL: files only), with
    the code its returned files are imported under."""
    configured = district_upstream_endpoint_set(
        district=kaizhou, name="信用重庆", url="", actor=Actor.cli()
    )
    with schema_context("kaizhou"):
        admin = User.objects.get(email="admin@kaizhou.test")
        endpoint = upstream_endpoint_update(
            actor=admin,
            endpoint_id=configured.pk,
            changes=EndpointChanges(token=None, enabled=False, source_code=UPSTREAM_CODE),
        )
        assert endpoint.department is not None
        return endpoint.department


def test_a_csv_from_upstream_imports_under_the_upstream_department(
    exported: dict[str, bytes], upstream_department: Department, tmp_path: Path
) -> None:
    path = tmp_path / "信用重庆回传.csv"
    path.write_bytes(exported["csv-CF"])
    out = StringIO()

    with pytest.raises(CommandError, match="1 行被退回"):
        call_command("records", "import", "--district", "kaizhou", "--department", UPSTREAM_CODE,
                     str(path), stdout=out)  # fmt: skip

    assert out.getvalue().splitlines()[0].endswith("共 2 行，新增 1，更新 0，重复 0，退回 1")
    with schema_context("kaizhou"):
        record = Record.objects.get()
        assert (record.doc_number, record.department.name, record.department.is_upstream) == (
            "万州市监罚〔2026〕1号", "信用重庆（上级平台）", True,
        )  # fmt: skip
        # The supplying body as upstream named it is kept; the batch says who brought the file.
        assert record.fields["CF_SJLYDM"] == DEPARTMENT_CODE
        batch = UploadBatch.objects.get(file_sha256=record.file_sha256)
        assert (batch.pk, batch.department_id) == (record.batch_id, upstream_department.pk)
        (rejected,) = RejectedRow.objects.all()
        assert (rejected.row_number, rejected.problems) == (
            3,
            [
                {
                    "field": "ACTION",
                    "label": "数据状态",
                    "value": "withdraw",
                    "message": "该行是撤回（withdraw）而非新增：上传只导入新增记录，"
                    "撤回和信用修复请在记录页面办理",
                }
            ],
        )


def test_an_xlsx_from_upstream_imports_and_the_same_file_from_a_department_does_not(
    exported: dict[str, bytes], upstream_department: Department
) -> None:
    def ingest(department: Department) -> UploadBatch:
        content = exported["xlsx-CF"]
        batch = batch_create(actor=Actor.cli(), department=department, filename="回传.xlsx",
                             content=io.BytesIO(content), size=len(content))  # fmt: skip
        return batch_ingest(batch_id=batch.pk)

    with schema_context("kaizhou"):
        local = Department.objects.create(code=uscc(42, head="11500154"), name="开州区市场监管局")

        batch = ingest(upstream_department)
        assert (batch.kind, batch.stored, batch.rejected) == ("CF", 1, 1)

        refused = ingest(local)
        assert (refused.stored, refused.duplicate, refused.rejected) == (0, 0, 2)
        problems = [p["message"] for row in refused.rejected_rows.all() for p in row.problems]
        assert f"数据来源单位代码与上传部门（{local.code}）不符" in problems
