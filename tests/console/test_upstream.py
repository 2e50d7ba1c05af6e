"""The 上级平台报送 console page: the token of the endpoints the operator set, downloads, building
and pushing batches, and reading upstream's answers."""

from __future__ import annotations

import codecs
import re
from typing import Any
from urllib.parse import unquote

from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department
from core.common.actors import Actor
from core.upstream.enums import OutboxBatchStatus
from core.upstream.models import OutboxBatch, UpstreamEndpoint
from provisioning.services.upstream import district_upstream_endpoint_set
from tenants.models import District
from tests.conftest import make_staff
from tests.core.collection.files import penalty
from tests.core.upstream.conftest import (  # noqa: F401
    admin,
    at,
    department,
    endpoint,
    store,
    upstream,
)
from tests.support.pages import signed_in
from tests.support.upstream_server import TOKEN, UpstreamServer

PERIOD = {"start": "2026-11-01", "end": "2026-11-27"}


def text(page: bytes) -> str:
    return re.sub(r"\s+", " ", page.decode())


def test_only_the_district_admin_has_the_page_and_its_link(admin: User) -> None:  # noqa: F811
    page = signed_in(admin).get("/console/upstream/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<a href="/console/upstream/">上级平台报送</a>' in html
    # Date inputs take ISO dates whatever the locale; the two forms' fields have distinct ids.
    assert '<input type="date" name="start" value="2026-11-01" required id="export_start">' in html
    assert '<input type="date" name="end" value="2026-11-27" required id="build_end">' in html

    reviewer = signed_in(make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER))
    assert reviewer.get("/console/upstream/").status_code == 404
    assert "/console/upstream/" not in reviewer.get("/console/").content.decode()


def test_the_admin_sets_the_token_of_the_operators_endpoint_but_not_its_url(
    wanzhou: District,
    admin: User,  # noqa: F811
    upstream: UpstreamServer,  # noqa: F811
) -> None:
    client = signed_in(admin)
    page = text(client.get("/console/upstream/").content)
    assert "尚无上级平台，请联系运营方添加" in page
    assert 'name="url"' not in page
    assert 'name="name"' not in page
    # Adding one from the console is refused: that is the operator's.
    refused = text(client.post("/console/upstream/", {"endpoint_save": "1", "name": "内网",
                                                      "url": "http://127.0.0.1:8199/"}).content)  # fmt: skip
    assert "上级平台及其上报地址由运营方设置，请选择列表中的上级平台编辑访问令牌" in refused
    with schema_context("wanzhou"):
        assert UpstreamEndpoint.objects.count() == 0

    saved = district_upstream_endpoint_set(
        district=wanzhou, name="信用重庆", url=upstream.url, actor=Actor.cli()
    )
    page = text(client.get("/console/upstream/").content)
    assert f'<td>信用重庆</td><td data-testid="endpoint-url">{upstream.url}</td>' in page
    edit = text(client.get(f"/console/upstream/?edit={saved.pk}").content)
    assert "编辑上级平台：信用重庆" in edit
    assert f"上报地址：{upstream.url}" in edit
    assert 'name="url"' not in edit

    form = {"endpoint_save": "1", "endpoint_id": saved.pk, "token": "", "enabled": "on"}
    page = text(client.post("/console/upstream/", form).content)
    assert "启用推送须填写访问令牌" in page
    # A URL (or name) in the form is not the admin's to change: ignored.
    response = client.post("/console/upstream/", {**form, "token": TOKEN, "name": "内网",
                                                  "url": "http://127.0.0.1:8199/"})  # fmt: skip
    assert unquote(response["Location"]) == "/console/upstream/?done=已保存上级平台：信用重庆"
    page = text(client.get(response["Location"]).content)
    assert "已保存上级平台：信用重庆" in page
    assert "••••2026" in page
    assert TOKEN not in page
    with schema_context("wanzhou"):
        saved.refresh_from_db()
    assert (saved.name, saved.url, saved.token, saved.enabled) == (
        "信用重庆", upstream.url, TOKEN, True,
    )  # fmt: skip

    # Saving without a token keeps it.
    client.post("/console/upstream/", {**form, "enabled": ""})
    with schema_context("wanzhou"):
        saved.refresh_from_db()
    assert (saved.token, saved.enabled) == (TOKEN, False)
    assert client.get("/console/upstream/?edit=999999").status_code == 404


def test_the_admin_downloads_a_period_and_bad_dates_are_explained(
    admin: User,  # noqa: F811
    department: Department,  # noqa: F811
) -> None:
    with schema_context("wanzhou"):
        store(department, "CF", [penalty(1)], at(20))
    client = signed_in(admin)

    response = client.get("/console/upstream/", {**PERIOD, "fmt": "csv-CF", "export": "1"})

    assert response["Content-Disposition"] == (
        'attachment; filename="upstream-CF-20261101-20261127.csv"'
    )
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith(codecs.BOM_UTF8)
    lines = body.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].endswith(",add,2026-11-20,")

    page = text(
        client.get(
            "/console/upstream/", {"start": "2026-11-01", "end": "2026-11-28", "fmt": "json",
                                   "export": "1"},
        ).content
    )  # fmt: skip
    assert "截止日期不能晚于今天" in page
    page = text(client.get("/console/upstream/", {"start": "2026-13-01", "end": "2026-11-27",
                                                  "fmt": "json", "export": "1"}).content)  # fmt: skip
    assert "日期格式应为yyyy-MM-dd，如2026-03-15" in page


def test_the_admin_pushes_a_batch_and_reads_what_upstream_refused(
    admin: User,  # noqa: F811
    department: Department,  # noqa: F811
    endpoint: UpstreamEndpoint,  # noqa: F811
    upstream: UpstreamServer,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    with schema_context("wanzhou"):
        accepted, refused = store(department, "CF", [penalty(1), penalty(2)], at(20))
    upstream.reject = lambda item: "行政相对人名称与登记不符" if item["id"] == refused.pk else None
    client = signed_in(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/console/upstream/", {"build": "1", "endpoint": endpoint.pk,
                                                      **PERIOD})  # fmt: skip

    assert unquote(response["Location"]) == (
        "/console/upstream/?done=已生成1个批次，共2条记录，正在向信用重庆发送"
    )
    page = text(client.get("/console/upstream/").content)
    assert (
        "<td>2026-11-01 至 2026-11-27</td><td>已完成</td> <td>1</td><td>—</td> "
        "<td>2</td><td>1</td><td>1</td>"
    ) in page
    with schema_context("wanzhou"):
        batch = OutboxBatch.objects.get()
    detail = text(client.get(f"/console/upstream/batches/{batch.pk}/").content)
    assert f'<code data-testid="batch-id">{batch.batch_id}</code>' in detail
    assert (
        f'<td><a href="/console/records/{refused.pk}/">{refused.pk}</a></td><td>行政处罚</td>'
        "<td>万州市监罚〔2026〕2号</td><td>重庆市万州区第2建设有限公司</td><td>新增</td>"
        "<td>行政相对人名称与登记不符</td>"
    ) in detail
    assert (
        f'<td><a href="/console/records/{accepted.pk}/">{accepted.pk}</a></td><td>行政处罚</td>'
        "<td>万州市监罚〔2026〕1号</td><td>重庆市万州区第1建设有限公司</td><td>新增</td>"
        "<td>已接收</td>"
    ) in detail
    assert "立即重新发送" not in detail

    # Nothing new: the page says so and nothing is sent.
    response = client.post("/console/upstream/", {"build": "1", "endpoint": endpoint.pk, **PERIOD})
    assert unquote(response["Location"]).endswith(
        "2026-11-01至2026-11-27没有需要上报的记录（没有变动，或均已上报）"
    )
    assert len(upstream.requests) == 1


def test_a_failed_batch_is_explained_and_resent_from_its_page(
    admin: User,  # noqa: F811
    department: Department,  # noqa: F811
    endpoint: UpstreamEndpoint,  # noqa: F811
    upstream: UpstreamServer,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    with schema_context("wanzhou"):
        store(department, "CF", [penalty(1)], at(20))
    upstream.token = "another-token"
    client: Client = signed_in(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/console/upstream/", {"build": "1", "endpoint": endpoint.pk, **PERIOD})
    with schema_context("wanzhou"):
        batch = OutboxBatch.objects.get()
    assert batch.status == OutboxBatchStatus.FAILED

    page = text(client.post("/console/upstream/", {"build": "1", "endpoint": endpoint.pk,
                                                   **PERIOD}).content)  # fmt: skip
    assert "尚未完成上报：请等待其完成，发送失败的请先重新发送" in page
    detail = text(client.get(f"/console/upstream/batches/{batch.pk}/").content)
    assert "最近一次失败原因：上级平台拒绝了访问令牌（HTTP 401）：访问令牌无效。" in detail
    assert "立即重新发送" in detail

    upstream.token = TOKEN
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/console/upstream/batches/{batch.pk}/", {"resend": "1"})
    assert response["Location"] == f"/console/upstream/batches/{batch.pk}/?done=1"
    detail = text(client.get(response["Location"]).content)
    assert '<strong data-testid="batch-status">已完成</strong>' in detail
    assert '<span data-testid="attempts">2</span>' in detail
    assert client.get("/console/upstream/batches/999999/").status_code == 404
