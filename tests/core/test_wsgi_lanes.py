"""The WSGI application's two lanes (core/config/wsgi.py), called as a server calls it: API calls
without cookies through settings.API_MIDDLEWARE, everything else through settings.MIDDLEWARE."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_tenants.utils import schema_context

from core.config.wsgi import API_PATHS, application

QUERY = {"query": "{ district { slug } viewer { email } }"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: the test's transaction must outlive each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _call(
    host: str, path: str = "/graphql/", cookie: str = "", method: str = "POST", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    raw = json.dumps(QUERY).encode() if method == "POST" else b""
    query = "" if method == "POST" else urlencode(QUERY)
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": host,
        "SERVER_PORT": "443", "HTTP_HOST": host, "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)), "REMOTE_ADDR": "203.0.113.9", "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "https", "wsgi.errors": io.StringIO(),
        **({"HTTP_COOKIE": cookie} if cookie else {}),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }  # fmt: skip
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> None:
        started.update(status=int(status.split()[0]), headers=dict(response_headers))

    chunks = application(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return started["status"], started["headers"], content


@pytest.mark.django_db
def test_a_cookieless_api_call_gets_the_same_answer_and_headers_as_the_full_stack() -> None:
    lane = _call("wanzhou.localhost")
    full = _call("wanzhou.localhost", cookie="theme=dark")  # any cookie: the full stack

    assert lane[0] == full[0] == 200
    assert (
        json.loads(lane[2])
        == json.loads(full[2])
        == {"data": {"district": {"slug": "wanzhou"}, "viewer": None}}
    )
    assert lane[1].pop("X-Request-ID") != full[1].pop("X-Request-ID")
    assert lane[1] == full[1]
    assert {"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
            "Content-Language", "Content-Length", "Cache-Control"} <= set(lane[1])  # fmt: skip


@pytest.mark.django_db
def test_a_signed_in_browser_takes_the_full_stack(wanzhou_admin: Any) -> None:
    with schema_context("wanzhou"):
        session = SessionStore()
        session["_auth_user_id"] = str(wanzhou_admin.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = wanzhou_admin.get_session_auth_hash()
        session.create()

    status, _, content = _call(
        "wanzhou.localhost", cookie=f"sessionid={session.session_key}", method="GET"
    )

    assert status == 200
    assert json.loads(content)["data"]["viewer"] == {"email": wanzhou_admin.email}


@pytest.mark.django_db
def test_the_lane_still_routes_and_refuses(wanzhou: Any) -> None:
    status, headers, content = _call("nowhere.example")
    assert (status, json.loads(content)["errors"][0]["extensions"]["code"]) == (404, "UNKNOWN_HOST")

    wanzhou.status = "suspended"
    wanzhou.save()
    status, headers, content = _call("wanzhou.localhost")
    assert (status, json.loads(content)["errors"][0]["extensions"]["code"]) == (
        503,
        "DISTRICT_SUSPENDED",
    )


@pytest.mark.django_db
def test_the_lane_writes_the_access_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="credit.access"):
        _call("wanzhou.localhost", **{"X_REQUEST_ID": "lane-test-1"})

    [line] = [r for r in caplog.records if r.name == "credit.access"]
    assert (line.getMessage(), line.status, line.request_id) == (  # type: ignore[attr-defined]
        "POST /graphql/ 200",
        200,
        "lane-test-1",
    )


def test_the_lane_keeps_the_full_stack_order_without_what_serves_only_browsers() -> None:
    assert {"/graphql/", "/exchange/graphql/", "/api/bulk-jobs/"} == API_PATHS
    kept = [m for m in settings.MIDDLEWARE if m in settings.API_MIDDLEWARE]
    left_out = {m.rsplit(".", 1)[1] for m in settings.MIDDLEWARE} - {
        m.rsplit(".", 1)[1] for m in settings.API_MIDDLEWARE
    }

    assert kept == [m for m in settings.API_MIDDLEWARE if m in settings.MIDDLEWARE]
    assert left_out == {"WhiteNoiseMiddleware", "SessionMiddleware", "CsrfViewMiddleware",
                        "AuthenticationMiddleware", "AxesMiddleware", "MessageMiddleware"}  # fmt: skip
