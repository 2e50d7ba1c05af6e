"""Finding 11: GraphiQL was served with DJANGO_DEBUG=0; anonymous callers could introspect the
schema; the unknown-host page and static files had no CSP or X-Frame-Options; a request without a
Host header reached the operator site. Against the production-like server."""

from __future__ import annotations

import socket

import pytest

from tests.security.conftest import Answer, ProductionServer

HOSTS = ["wanzhou.localhost", "localhost"]  # a district's site and the operator's
INTROSPECTION = "{ __schema { queryType { name } } }"


def assert_protected(answer: Answer) -> None:
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("host", HOSTS)
def test_no_graphiql_in_production(production: ProductionServer, host: str) -> None:
    answer = production.visitor(host).get("/graphql/", headers={"Accept": "text/html"})

    assert "graphiql" not in answer.text.lower()
    assert not answer.headers.get("Content-Type", "").startswith("text/html")


@pytest.mark.parametrize("host", HOSTS)
def test_anonymous_callers_cannot_introspect_the_schema(
    production: ProductionServer, host: str
) -> None:
    visitor = production.visitor(host)

    refused = visitor.graphql(INTROSPECTION).json()
    typename = visitor.graphql("{ __typename }").json()

    assert refused["errors"][0]["message"] == (
        "本平台不向匿名调用方提供接口自省；接口说明见开发者文档中公布的接口定义"
    )
    assert refused["errors"][0]["extensions"] == {"code": "INTROSPECTION_DISABLED"}
    assert "data" not in refused or refused["data"] is None
    assert "errors" not in typename


@pytest.mark.parametrize(
    ("host", "path", "status"),
    [
        ("nosuch.localhost", "/", 404),  # the unknown-host page
        ("wanzhou.localhost", "/static/portal_theme/site.css", 200),  # a static file
        ("nosuch.localhost", "/static/portal_theme/site.css", 200),  # static on any host
        ("wanzhou.localhost", "/", 200),
        ("wanzhou.localhost", "/no-such-page/", 404),
    ],
)
def test_every_answer_carries_the_security_headers(
    production: ProductionServer, host: str, path: str, status: int
) -> None:
    answer = production.visitor(host).get(path)

    assert answer.status == status
    assert_protected(answer)


def test_a_request_without_a_host_reaches_no_site(production: ProductionServer) -> None:
    port = int(production.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        raw.sendall(b"GET /admin/login/ HTTP/1.0\r\n\r\n")
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    text = body.decode("utf-8", errors="replace")

    assert head.split(b"\r\n")[0].split(b" ")[1] == b"404"
    assert "（请求未提供 Host）" in text
    assert "csrfmiddlewaretoken" not in text  # no login form of the operator's
