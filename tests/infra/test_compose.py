"""infra/compose.yaml against the compose specification's JSON schema (vendored by
check-jsonschema), and against what the platform needs."""

from __future__ import annotations

import subprocess
import sys

from tests.infra.files import COMPOSE, INFRA, app_services, compose

APP_SERVICES = ["beat", "migrate", "web", "worker"]


def test_the_compose_file_follows_the_compose_specification() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
         str(COMPOSE)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_it_runs_every_part_of_the_platform() -> None:
    services = compose()["services"]

    assert sorted(services) == [
        "beat", "cache", "migrate", "nginx", "postgres", "redis", "seaweedfs", "web", "worker",
    ]  # fmt: skip
    assert sorted(app_services()) == APP_SERVICES
    assert compose()["x-app"]["build"] == {"context": "..", "dockerfile": "infra/Dockerfile"}


def test_the_platform_starts_after_the_migration_which_waits_for_its_services() -> None:
    services = compose()["services"]

    assert services["migrate"]["command"] == ["sh", "infra/migrate.sh"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {
        name: {"condition": "service_healthy"}
        for name in ("postgres", "redis", "cache", "seaweedfs")
    }
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }, name
    assert all("healthcheck" in services[name] for name in ("postgres", "redis", "seaweedfs"))


def test_the_cache_is_bounded_and_apart_from_the_broker() -> None:
    services, environment = compose()["services"], compose()["x-app"]["environment"]
    cache, broker = services["cache"]["command"], services["redis"]["command"]

    assert environment["REDIS_URL"].startswith("redis://cache:")
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")
    assert cache[cache.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert "--maxmemory" in cache
    assert broker[broker.index("--maxmemory-policy") + 1] == "noeviction"


def test_web_is_checked_by_readiness_and_processes_share_a_metrics_folder() -> None:
    services = compose()["services"]

    assert "http://127.0.0.1:8000/readyz" in services["web"]["healthcheck"]["test"][-1]
    assert "command" not in services["web"]  # the image's gunicorn command
    assert services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/prometheus"
    assert services["worker"]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/prometheus"
    assert services["worker"]["environment"]["WORKER_METRICS_PORT"] == "9808"
    assert services["beat"]["command"][:4] == ["celery", "-A", "core", "beat"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "core", "worker"]
    for name in APP_SERVICES:
        assert services[name]["read_only"] is True
        assert services[name]["tmpfs"] == ["/tmp"]


def test_nginx_uses_the_checked_configuration() -> None:
    nginx = compose()["services"]["nginx"]
    (mount,) = nginx["volumes"]
    source, target, mode = mount.split(":")

    assert (INFRA / source).resolve() == (INFRA / "nginx" / "nginx.conf").resolve()
    assert (target, mode) == ("/etc/nginx/nginx.conf", "ro")


def test_s3_is_reached_under_one_name_inside_and_outside() -> None:
    services = compose()["services"]
    endpoint = services["web"]["environment"]["S3_ENDPOINT_URL"]

    assert endpoint == "http://${S3_PUBLIC_HOST:-files.localhost}:8333"
    assert services["seaweedfs"]["ports"] == ["8333:8333"]
    assert services["seaweedfs"]["networks"]["default"]["aliases"] == [
        "${S3_PUBLIC_HOST:-files.localhost}"
    ]
    assert "-bucket=${S3_BUCKET:-credit}" in services["seaweedfs"]["command"]
    assert services["web"]["environment"]["S3_BUCKET"] == "${S3_BUCKET:-credit}"
