"""Liveness and readiness, against the real PostgreSQL, Redis and SeaweedFS of the test run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from core.storage.client import s3_ensure_bucket
from tests.conftest import client_for
from tests.core.storage.test_storage import s3_server, s3_storage  # noqa: F401  (fixtures)
from tests.core.test_cache import redis_server  # noqa: F401  (session fixture)
from tests.support.servers import RunningServer, S3Server, free_port, start_seaweedfs

POD_ADDRESS = "10.42.0.17:8000"  # what a kubelet's probe sends as the Host header


def readiness(host: str = POD_ADDRESS) -> tuple[int, dict[str, Any]]:
    response = Client(HTTP_HOST=host).get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def statuses(body: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """Each check's status, backend and error (the timings vary)."""
    return {
        name: (check["status"], check["backend"], check.get("error", ""))
        for name, check in body["checks"].items()
    }


# Settings change through override_settings blocks, never the `settings` fixture, in tests that
# use s3_storage (itself an override_settings block): overrides must be undone in reverse order.
@pytest.fixture
def broker(redis_server: RunningServer) -> Iterator[RunningServer]:  # noqa: F811
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=redis_server.url):
        yield redis_server


# No django_db mark: pytest-django refuses any database access, so this also proves that
# liveness does no I/O.
@pytest.mark.parametrize("host", [POD_ADDRESS, "wanzhou.localhost", "no-such-district.example"])
def test_liveness_answers_on_any_host_without_touching_the_database(host: str) -> None:
    response = Client(HTTP_HOST=host).get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_ready_when_database_broker_and_s3_answer(
    broker: RunningServer,
    s3_storage: S3Server,  # noqa: F811
) -> None:
    status, body = readiness()

    assert status == 200
    assert body["status"] == "ok"
    assert statuses(body) == {
        "database": ("ok", "postgresql", ""),
        "broker": ("ok", "redis", ""),
        "storage": ("ok", "s3", ""),
    }
    assert all(0 <= check["seconds"] < 2 for check in body["checks"].values())


@pytest.mark.django_db
def test_ready_with_the_embedded_defaults_on_a_district_domain(
    settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")

    status, body = readiness("wanzhou.localhost")

    assert status == 200
    assert statuses(body) == {
        "database": ("ok", "postgresql", ""),
        "broker": ("ok", "in-process", ""),
        "storage": ("ok", "local", ""),
    }
    assert (tmp_path / "media").is_dir()


@pytest.mark.django_db
def test_a_dead_broker_port_makes_it_unready_without_showing_the_url(
    s3_storage: S3Server,  # noqa: F811
) -> None:
    dead = f"redis://:broker-password-7@127.0.0.1:{free_port()}/0"

    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=dead):
        status, body = readiness()

    assert status == 503
    assert body["status"] == "fail"
    assert statuses(body) == {
        "database": ("ok", "postgresql", ""),
        "broker": ("fail", "redis", "OperationalError"),
        "storage": ("ok", "s3", ""),
    }
    assert "broker-password-7" not in json.dumps(body)
    assert "127.0.0.1" not in json.dumps(body)


@pytest.fixture
def stopped_s3(broker: RunningServer) -> Iterator[S3Server]:
    """A SeaweedFS of this test's own, configured as the storage, with its bucket, then stopped."""
    server = start_seaweedfs()
    s3 = {
        "S3_BUCKET": "credit-readiness",
        "S3_ENDPOINT_URL": server.url,
        "S3_ACCESS_KEY_ID": server.access_key,
        "S3_SECRET_ACCESS_KEY": server.secret_key,
    }
    with override_settings(**s3):
        try:
            s3_ensure_bucket()
            assert readiness()[0] == 200
        finally:
            server.stop()
        yield server


@pytest.mark.django_db
def test_a_stopped_s3_server_makes_it_unready(stopped_s3: S3Server) -> None:
    status, body = readiness()

    assert status == 503
    assert statuses(body) == {
        "database": ("ok", "postgresql", ""),
        "broker": ("ok", "redis", ""),
        "storage": ("fail", "s3", "EndpointConnectionError"),
    }
    assert stopped_s3.secret_key not in json.dumps(body)


@pytest.mark.django_db
def test_a_wrong_s3_secret_makes_it_unready(
    s3_storage: S3Server,  # noqa: F811
) -> None:
    with override_settings(S3_SECRET_ACCESS_KEY="not-the-secret"):
        status, body = readiness()

    assert status == 503
    assert statuses(body)["storage"] == ("fail", "s3", "ClientError")


@pytest.mark.django_db
def test_probes_answer_only_to_reads() -> None:
    assert client_for(POD_ADDRESS).post("/readyz").status_code == 405
    assert client_for(POD_ADDRESS).post("/healthz").status_code == 405
