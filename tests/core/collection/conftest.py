"""What the collection tests share: a district with one supplying department, and an upload run
end to end (as the command line runs it)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.catalog.models import CatalogSupply, Department
from core.collection.models import UploadBatch
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from tests.core.collection.files import DEPARTMENT_CODE
from tests.support.clock import Clock

TODAY = date(2026, 11, 27)


@pytest.fixture
def district(wanzhou: object, settings: Any, tmp_path: Path, clock: Clock) -> Iterator[Department]:
    settings.MEDIA_ROOT = str(tmp_path)
    clock.default_to(TODAY)
    with schema_context("wanzhou"):
        department = Department.objects.create(
            code=DEPARTMENT_CODE, name="重庆市万州区市场监督管理局"
        )
        CatalogSupply.objects.create(item_id=_item("N03-02"), department=department)
        yield department


def _item(code: str) -> int:
    from core.catalog.models import CatalogItem

    return CatalogItem.objects.get(code=code).pk


def upload(department: Department, content: bytes, filename: str = "处罚.csv") -> UploadBatch:
    batch = batch_create(
        actor=Actor.cli(),
        department=department,
        filename=filename,
        content=io.BytesIO(content),
        size=len(content),
    )
    return batch_ingest(batch_id=batch.pk)


def problems(batch: UploadBatch) -> dict[int, list[str]]:
    return {
        r.row_number: [f"{p['field']}: {p['message']}" for p in r.problems]
        for r in batch.rejected_rows.all()
    }
