"""Finding: XLSX bombs were decompressed before they were refused. A 300 KB department upload whose
`xl/theme/theme1.xml` expands to 300 MB raised the server from 145 MB to 760 MB before the refusal
(the row count loaded the workbook before the ratio check). Now the zip directory is judged before
anything decompresses the file, and members are read in pieces, never past their declared size
(core/collection/xlsx.py). Against gunicorn (ingest runs in the request there, without a broker):
the upload is refused with the reason and the server's memory grows by less than 50 MB; a member
that lies about its size fails its batch the same way; a normal XLSX still uploads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.collection.models import UploadBatch
from provisioning.services.onboarding import OnboardingRequest
from tests.core.collection.files import (
    DEPARTMENT_CODE,
    MB,
    THEME,
    as_xlsx,
    decided,
    patched,
    penalty,
    workbook,
    write_spaces,
)
from tests.e2e.conftest import committed_districts
from tests.security.conftest import Answer, Browser, ProductionServer
from tests.security.memory import memory_growth
from tests.security.staff import signed_in
from tests.support.forms import multipart

XIUSHAN = OnboardingRequest(slug="xiushan", name="秀山县", platform_name="信用秀山",
                            region_code="500241", domain="xiushan.localhost",
                            admin_email="admin@xiushan.test")  # fmt: skip
PASSWORD = "Xiushan-Admin-2026"
BOMB_REFUSED = "XLSX文件中的“xl/theme/theme1.xml”压缩比超过200倍（疑似压缩炸弹），已拒绝"
LIAR_FAILED = "XLSX文件中的“xl/theme/theme1.xml”已损坏或与声明的内容不符，已拒绝"


@dataclass
class Uploads:
    production: ProductionServer
    visitor: Browser
    department_id: int

    def send(self, filename: str, content: bytes) -> Answer:
        token = self.visitor.csrf_from("/console/uploads/")
        body, kind = multipart(
            {"csrfmiddlewaretoken": token, "department": str(self.department_id)},
            filename,
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        return self.visitor.post("/console/uploads/", data=body, headers={"Content-Type": kind})

    def stored(self) -> list[Path]:
        folder = self.production.media / XIUSHAN.slug / "uploads"
        return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture(scope="module")
def uploads(production: ProductionServer, django_db_blocker: Any) -> Iterator[Uploads]:
    """秀山县 with a department, its admin signed in on the server; committed, purged after."""
    with committed_districts(django_db_blocker, str(production.media), PASSWORD,
                             XIUSHAN) as admins:  # fmt: skip
        with schema_context(XIUSHAN.slug):
            department = Department.objects.create(
                code=DEPARTMENT_CODE, name="秀山县市场监督管理局"
            )
        visitor = signed_in(production, XIUSHAN.domain, XIUSHAN.slug, admins[XIUSHAN.slug])
        # Each worker renders the page once before anything is measured.
        for _ in range(4):
            assert visitor.get("/console/uploads/").status == 200
        yield Uploads(production, visitor, department.pk)


@pytest.fixture(scope="module")
def theme_bomb() -> bytes:
    return workbook(skip=(THEME,), extra=lambda a: write_spaces(a, THEME, 300 * MB))


def errors_on(page: Answer) -> list[str]:
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', page.text)


def test_a_bomb_is_refused_before_it_is_decompressed(uploads: Uploads, theme_bomb: bytes) -> None:
    assert 200_000 < len(theme_bomb) < 400_000  # about 300 KB, as the red team's
    with schema_context(XIUSHAN.slug):
        batches = UploadBatch.objects.count()
    files = uploads.stored()

    with memory_growth(uploads.production) as growth:
        page = uploads.send("部门数据.xlsx", theme_bomb)

    assert (page.status, errors_on(page)) == (200, [BOMB_REFUSED])
    assert growth.most < 50 * MB, growth.by_process
    assert uploads.stored() == files
    with schema_context(XIUSHAN.slug):
        assert UploadBatch.objects.count() == batches


def test_a_member_larger_than_declared_fails_its_batch_unread(
    uploads: Uploads, theme_bomb: bytes
) -> None:
    # The directory says 8 KB, so the file is taken; the data still expands to 300 MB.
    liar = patched(theme_bomb, THEME, file_size=8192)

    with memory_growth(uploads.production) as growth:
        page = uploads.send("声明不实.xlsx", liar)
        batch_path = page.headers["Location"]
        progress = uploads.visitor.get(f"{batch_path}progress/").json()

    assert (page.status, progress["status"]) == (302, "failed")
    assert growth.most < 50 * MB, growth.by_process
    with schema_context(XIUSHAN.slug):
        assert UploadBatch.objects.get(pk=int(batch_path.split("/")[-2])).error == LIAR_FAILED


def test_a_normal_xlsx_still_uploads(uploads: Uploads) -> None:
    page = uploads.send("处罚.xlsx", as_xlsx([penalty(1, **decided()), penalty(2, **decided())]))

    assert page.status == 302
    progress = uploads.visitor.get(f"{page.headers['Location']}progress/").json()
    assert (progress["status"], progress["rows_total"], progress["stored"]) == ("done", 2, 2)
