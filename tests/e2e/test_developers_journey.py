"""GraphiQL on a district's domain (issue 24): served from the vendored files, it sends a query
with the pasted key as the Authorization header, and the browser asks nothing of another host."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, expect


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
