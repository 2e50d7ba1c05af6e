"""Fixtures for upstream reporting: a district with records stored through the real upload
pipeline at known times, and a real upstream HTTPS server the operator set as the endpoint."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.catalog.models import Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.records.models import Record
from core.upstream.models import UpstreamEndpoint
from core.upstream.services import EndpointChanges, upstream_endpoint_update
from provisioning.services.upstream import district_upstream_endpoint_set
from tenants.models import District
from tests.core.collection.files import DEPARTMENT_CODE, uscc
from tests.support.clock import Clock
from tests.support.upstream_server import TOKEN, UpstreamServer

TODAY = date(2026, 11, 27)


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    """A time in the district's zone (Asia/Shanghai) in 2026."""
    return datetime(2026, month, day, hour, tzinfo=timezone.get_current_timezone())


def licence(serial: int, **changes: str) -> dict[str, str]:
    """A licensing row (XK_) by field code without prefix."""
    row = {
        "XDR_MC": f"重庆市万州区第{serial}餐饮有限公司",
        "XDR_LB": "法人及非法人组织",
        "XDR_SHXYM": uscc(serial),
        "XKWS": "食品经营许可决定书",
        "WSH": f"万州市监许〔2026〕{serial}号",
        "XKLB": "普通",
        "XKZS": "食品经营许可证",
        "XKBH": f"JY1500101{serial:07d}",
        "NR": "预包装食品销售",
        "JDRQ": "2026-11-18",
        "YXQZ": "2026-11-18",
        "YXQZI": "2031-11-17",
        "XKJG": "重庆市万州区市场监督管理局",
        "XKJGDM": DEPARTMENT_CODE,
        "ZT": "有效",
        "LYDW": "重庆市万州区市场监督管理局",
        "LYDWDM": DEPARTMENT_CODE,
    }
    row.update(changes)
    return row


def national_csv(prefix: str, rows: list[dict[str, str]]) -> bytes:
    """A national-format file with prefixed field codes as headers (UTF-8)."""
    codes = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{prefix}_{c}" for c in codes])
    for row in rows:
        writer.writerow([row.get(c, "") for c in codes])
    return out.getvalue().encode("utf-8")


def upload(department: Department, content: bytes, filename: str = "data.csv") -> None:
    batch = batch_create(actor=Actor.cli(), department=department, filename=filename,
                         content=io.BytesIO(content), size=len(content))  # fmt: skip
    batch = batch_ingest(batch_id=batch.pk)
    assert batch.rejected == 0, list(batch.rejected_rows.values_list("problems", flat=True))


def store(
    department: Department, prefix: str, rows: list[dict[str, str]], when: datetime
) -> list[Record]:
    """Upload `rows`; the records they stored or changed read as changed at `when`."""
    before = timezone.now()
    upload(department, national_csv(prefix, rows))
    changed = Record.objects.filter(updated_at__gte=before)
    changed.update(updated_at=when)
    wanted = [r["WSH"] for r in rows]
    by_number = {r.doc_number: r for r in Record.objects.filter(doc_number__in=wanted)}
    return [by_number[n] for n in wanted]


@pytest.fixture
def department(
    wanzhou: object, settings: Any, tmp_path: Path, clock: Clock
) -> Iterator[Department]:
    settings.MEDIA_ROOT = str(tmp_path)
    clock.default_to(TODAY)
    with schema_context("wanzhou"):
        yield Department.objects.create(code=DEPARTMENT_CODE, name="重庆市万州区市场监督管理局")


@pytest.fixture
def admin(department: Department, wanzhou_admin: User) -> User:
    return wanzhou_admin


@pytest.fixture
def upstream(settings: Any) -> Iterator[UpstreamServer]:
    server = UpstreamServer().start()
    server.allow(settings)
    yield server
    server.stop()


def endpoint_for(
    district: District, admin: User, *, url: str, name: str = "信用重庆"
) -> UpstreamEndpoint:
    """What happens in production: the operator sets the endpoint's URL, then the district admin
    adds the token and turns pushing on."""
    configured = district_upstream_endpoint_set(
        district=district, name=name, url=url, actor=Actor.cli()
    )
    changes = EndpointChanges(token=TOKEN, enabled=True)
    with schema_context(district.schema_name):
        return upstream_endpoint_update(actor=admin, endpoint_id=configured.pk, changes=changes)


@pytest.fixture
def endpoint(wanzhou: District, admin: User, upstream: UpstreamServer) -> UpstreamEndpoint:
    return endpoint_for(wanzhou, admin, url=upstream.url)
