"""GraphiQL on a district's domain (issue 24): served from the vendored files, it sends a query
with the pasted key as the Authorization header, and the browser asks nothing of another host.
When the Authorization header changes (the key field or the headers editor), the schema is loaded
again by itself; the key is kept in the browser only when the developer asks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, Request, expect

from core.accounts.models import User
from tests.conftest import WANZHOU


def test_graphiql_runs_a_query_with_a_key_and_no_external_request(
    page: Page, server_port: int
) -> None:
    base = f"http://wanzhou.localhost:{server_port}"
    hosts: set[str] = set()
    sent: list[Request] = []

    def seen(request: Request) -> None:
        hosts.add(urlsplit(request.url).netloc)
        if request.url.endswith("/graphql/") and request.method == "POST":
            sent.append(request)

    page.on("request", seen)
    page.goto(f"{base}/developers/graphiql/")
    page.get_by_placeholder("粘贴机构密钥或部门密钥").fill("dk_e2e-not-a-real-key")
    # GraphiQL is up: its editor and run button are there.
    run = page.locator(".graphiql-execute-button")
    expect(run).to_be_visible()
    with page.expect_response(
        lambda r: (
            r.url.endswith("/graphql/")
            and "__typename" in (r.request.post_data or "")
            and "IntrospectionQuery" not in (r.request.post_data or "")
        )
    ) as answered:
        run.click()
    assert answered.value.json() == {"data": {"__typename": "Query"}}
    assert any(r.headers.get("authorization") == "Bearer dk_e2e-not-a-real-key" for r in sent)
    expect(page.locator(".graphiql-response")).to_contain_text("Query")
    assert hosts == {f"wanzhou.localhost:{server_port}"}, hosts
    assert json.loads(answered.value.request.post_data or "{}")["query"].strip() == "{ __typename }"


def _introspections(page: Page) -> list[Request]:
    """Collect the page's introspection requests to /graphql/ as they are sent."""
    seen: list[Request] = []

    def collect(request: Request) -> None:
        if request.url.endswith("/graphql/") and "IntrospectionQuery" in (request.post_data or ""):
            seen.append(request)

    page.on("request", collect)
    return seen


def _is_introspection_with(authorization: str | None) -> Callable[[Request], bool]:
    def matches(request: Request) -> bool:
        return (
            request.url.endswith("/graphql/")
            and "IntrospectionQuery" in (request.post_data or "")
            and request.headers.get("authorization") == authorization
        )

    return matches


def test_graphiql_refetches_the_schema_when_the_key_is_pasted(page: Page, server_port: int) -> None:
    base = f"http://wanzhou.localhost:{server_port}"
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    introspections = _introspections(page)
    # On opening, GraphiQL loads the schema anonymously (refused outside DEBUG: the status says so).
    with page.expect_request(_is_introspection_with(None)):
        page.goto(f"{base}/developers/graphiql/")
    status = page.locator("#credit-key-status")
    expect(status).to_contain_text("未能加载接口文档")
    remember = page.get_by_label("在本浏览器记住")
    expect(remember).not_to_be_checked()

    # Typed key by key, faster than the 800 ms pause: one introspection, with the whole key, and
    # without anyone pressing GraphiQL's "re-fetch schema" button.
    key = page.get_by_placeholder("粘贴机构密钥或部门密钥")
    with page.expect_request(_is_introspection_with("Bearer ck_e2e-auto-refetch"), timeout=5_000):
        key.press_sequentially("ck_e2e-auto-refetch", delay=40)
    page.wait_for_timeout(1_500)
    keyed = [r for r in introspections if r.headers.get("authorization")]
    assert [r.headers["authorization"] for r in keyed] == ["Bearer ck_e2e-auto-refetch"]
    expect(status).to_contain_text("未能加载接口文档")  # not a real key: the server says why
    # The key is in no URL and, "在本浏览器记住" unticked, not in the browser's storage.
    assert "ck_e2e" not in page.url
    assert "ck_e2e" not in page.evaluate("JSON.stringify(window.localStorage)")

    # The headers editor's Authorization counts too, when the key field is empty.
    key.fill("")
    page.get_by_role("button", name="Headers").click()
    page.locator(".graphiql-editor-tool .CodeMirror:visible").last.click()
    with page.expect_request(_is_introspection_with("Bearer dk_e2e-in-headers"), timeout=5_000):
        page.keyboard.insert_text('{"Authorization": "Bearer dk_e2e-in-headers"}')
    assert "dk_e2e" not in page.evaluate("JSON.stringify(window.localStorage)")
    assert hosts == {f"wanzhou.localhost:{server_port}"}, hosts


def test_graphiql_remembers_the_key_only_when_asked(page: Page, server_port: int) -> None:
    base = f"http://wanzhou.localhost:{server_port}"
    page.goto(f"{base}/developers/graphiql/")
    expect(page.locator(".graphiql-execute-button")).to_be_visible()
    page.get_by_placeholder("粘贴机构密钥或部门密钥").fill("ck_e2e-remembered")
    page.get_by_label("在本浏览器记住").check()
    assert "ck_e2e-remembered" in page.evaluate("JSON.stringify(window.localStorage)")

    # Back on the page, the key is there and the first schema load already carries it.
    with page.expect_request(_is_introspection_with("Bearer ck_e2e-remembered")):
        page.reload()
    expect(page.get_by_placeholder("粘贴机构密钥或部门密钥")).to_have_value("ck_e2e-remembered")
    expect(page.get_by_label("在本浏览器记住")).to_be_checked()

    # Unticked: forgotten.
    page.get_by_label("在本浏览器记住").uncheck()
    assert "ck_e2e-remembered" not in page.evaluate("JSON.stringify(window.localStorage)")


@pytest.fixture
def department_key(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A live department key in 万州 (committed: the live server must see it); removed after."""
    from core.catalog.models import Department
    from core.collection.push import department_key_issue

    with django_db_blocker.unblock(), schema_context("wanzhou"):
        admin = User.objects.get(email=WANZHOU.admin_email)
        department = Department.objects.create(code="11500101E2EGQL0001", name="在线调试测试部门")
        try:
            yield department_key_issue(actor=admin, department=department, name="在线调试")
        finally:
            department.api_keys.all().delete()
            department.delete()


def test_graphiql_loads_the_docs_once_a_real_key_is_pasted(
    page: Page, server_port: int, department_key: str
) -> None:
    base = f"http://wanzhou.localhost:{server_port}"
    page.goto(f"{base}/developers/graphiql/")
    status = page.locator("#credit-key-status")
    expect(status).to_contain_text("未能加载接口文档")  # anonymous: no introspection
    expect(page.locator(".result-window")).to_contain_text("INTROSPECTION_DISABLED")
    with page.expect_response(
        lambda r: _is_introspection_with(f"Bearer {department_key}")(r.request) and r.status == 200,
        timeout=5_000,
    ):
        page.get_by_placeholder("粘贴机构密钥或部门密钥").fill(department_key)
    expect(status).to_have_text("已按当前密钥加载接口文档。")
    # The earlier refusal GraphiQL wrote into the response pane is gone with it.
    expect(page.locator(".result-window")).not_to_contain_text("INTROSPECTION_DISABLED")
    page.get_by_label("Show Documentation Explorer").click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query")
