"""The developer portal (issue 24): the API reference on the operator's domain, public and
generated from the district schema, and the GraphiQL page on a district's domain."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_reference_is_public_with_its_sections() -> None:
    response = Client().get("/developers/", HTTP_HOST="localhost")
    assert response.status_code == 200
    html = response.content.decode()
    headings = re.findall(r"<h2 id=\"[\w-]+\">([^<]+)</h2>", html)
    assert headings == [
        "区县接口地址", "开发者沙箱", "查询", "变更操作", "类型", "输入类型", "枚举", "标量",
        "调用示例", "错误代码", "通知签名", "在线调试",
    ]  # fmt: skip
    assert "<h1>接口参考</h1>" in html
    # The creditCheck mutation, its Chinese description and an argument's.
    assert 'id="mutation-creditCheck"' in html
    assert "信用核查：对调用部门的一个事项，核查至多 1000 个主体" in html
    assert "事项编号（见 <code>creditCheckMatters</code>）。" in html
    # Types, enums with their values, error codes with advice, the signature format.
    assert 'id="type-CreditCheckResult"' in html
    assert "<td><code>WALLET_INSUFFICIENT</code></td><td>预付费钱包余额不足。</td>" in html
    assert "为预付费钱包充值后重试。" in html
    assert "X-Credit-Signature" in html
    assert "hmac.compare_digest" in html
    for example in (
        "example-score",
        "example-report",
        "example-monitoring",
        "example-credit-check",
    ):
        assert f'id="{example}"' in html
    assert "idempotencyKey" in html
    assert "Authorization: Bearer" in html


def test_the_graphiql_page_loads_vendored_files_only() -> None:
    response = Client().get("/developers/graphiql/", HTTP_HOST="wanzhou.localhost")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/static/developers/") for s in sources)
    assert "<script>" not in html  # no inline script: the site's policy holds
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "font-src 'self' data:" in policy
