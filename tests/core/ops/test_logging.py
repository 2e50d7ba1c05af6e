"""Log lines are JSON objects carrying the request id, the district and the user."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.ops.context import log_context, log_context_bind, log_context_reset
from core.ops.middleware import request_id_for
from tests.conftest import client_for
from tests.core.ops.conftest import LogLines


def broken_view(request: HttpRequest) -> HttpResponse:
    logging.getLogger("portal.test").warning("about to fail for %s", "万州")
    raise RuntimeError("the view failed")


# The district URL conf plus one view that fails (override_settings(ROOT_URLCONF=__name__)).
urlpatterns = [path("broken/", broken_view)]
handler500 = "portal.errors.server_error"


def without_timing(line: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(line.pop("time"), str)
    if "duration_ms" in line:
        assert isinstance(line.pop("duration_ms"), float)
    return line


@pytest.mark.django_db
def test_the_access_line_carries_request_id_district_and_user(
    wanzhou_admin: User, json_log: LogLines
) -> None:
    client = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        client.force_login(wanzhou_admin)

    response = client.get("/console/?q=张三", HTTP_X_REQUEST_ID="req-2026-abc")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-2026-abc"
    access = [without_timing(line) for line in json_log() if line["logger"] == "credit.access"]
    assert access == [
        {
            "level": "INFO",
            "logger": "credit.access",
            "message": "GET /console/ 200",
            "request_id": "req-2026-abc",
            "district": "wanzhou",
            "user_id": wanzhou_admin.pk,
            "method": "GET",
            "path": "/console/",
            "route": "/console/",
            "status": 200,
        }
    ]


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_a_fresh_request_id_and_no_user(json_log: LogLines) -> None:
    response = client_for("kaizhou.localhost").get("/", HTTP_X_REQUEST_ID="bad id\nforged: 1")

    generated = response["X-Request-ID"]
    assert len(generated) == 32
    (access,) = [line for line in json_log() if line["logger"] == "credit.access"]
    assert (access["request_id"], access["district"], access["status"]) == (
        generated,
        "kaizhou",
        200,
    )
    assert "user_id" not in access


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_an_error_is_logged_at_error_with_the_district_and_request_id(
    wanzhou_admin: User, json_log: LogLines
) -> None:
    client = client_for("wanzhou.localhost")
    client.raise_request_exception = False
    with schema_context("wanzhou"):
        client.force_login(wanzhou_admin)

    response = client.get("/broken/", HTTP_X_REQUEST_ID="req-broken-1")

    assert response.status_code == 500
    lines = json_log()
    warning, error, access = (without_timing(line) for line in lines)
    context = {"request_id": "req-broken-1", "district": "wanzhou", "user_id": wanzhou_admin.pk}
    assert warning == {
        "level": "WARNING",
        "logger": "portal.test",
        "message": "about to fail for 万州",
        **context,
    }
    assert (error["level"], error["logger"], error["message"]) == (
        "ERROR",
        "django.request",
        "Internal Server Error: /broken/",
    )
    assert {key: error[key] for key in context} == context
    assert error["status_code"] == 500
    assert error["exc_info"].startswith("Traceback (most recent call last):")
    assert error["exc_info"].endswith("RuntimeError: the view failed")
    assert (access["status"], access["route"], access["request_id"]) == (
        500,
        "/broken/",
        "req-broken-1",
    )


def test_the_context_is_gone_after_the_request(json_log: LogLines) -> None:
    token = log_context_bind(task_id="t-1")
    log_context_reset(token)

    logging.getLogger("after").warning("outside any request")

    assert dict(log_context()) == {}
    (line,) = json_log()
    assert set(line) == {"time", "level", "logger", "message"}


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("0af7651916cd43dd8448eb211c80319c", True),
        ("req-2026:abc.1_2", True),
        ("", False),
        ("x" * 129, False),
        ("a b", False),
        ("万州", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_short_and_plain(
    incoming: str, kept: bool
) -> None:
    assert (request_id_for(incoming) == incoming) is kept
