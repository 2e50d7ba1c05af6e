"""The Kubernetes manifests, checked offline against the API's JSON schemas (kubernetes-validate
bundles them) and against what the application needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

from tests.infra.files import K8S, kustomizations, load_all, manifests, of_kind, pod_specs

# An older release that many clusters still run, and the newest one kubernetes-validate bundles.
VERSIONS = ["1.31", kubernetes_validate.latest_version()]
SOURCES = [
    {"configMapRef": {"name": "credit-config"}},
    {"configMapRef": {"name": "credit-site"}},
    {"secretRef": {"name": "credit-secrets"}},
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", manifests(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_is_valid_for_the_kubernetes_api(path: Path, version: str) -> None:
    documents = load_all(path)

    assert documents
    for document in documents:
        # strict: a misspelt or misplaced field is an error, not silently dropped.
        kubernetes_validate.validate(document, version, strict=True)


def test_the_kustomizations_list_every_manifest_once_and_run_the_same_image() -> None:
    listed: list[Path] = []
    images = []
    for path in kustomizations():
        kustomization = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert kustomization["namespace"] == "credit"
        listed += [path.parent / name for name in kustomization["resources"]]
        images.append(kustomization["images"])

    assert sorted(listed) == manifests()
    assert len(images) == 2
    assert images[0] == images[1]
    assert [image["name"] for image in images[0]] == ["credit-platform"]


def test_every_workload_runs_the_image_with_the_shared_configuration() -> None:
    specs = pod_specs()

    assert sorted(specs) == ["credit-beat", "credit-migrate", "credit-web", "credit-worker"]
    for name, spec in specs.items():
        (container,) = spec["containers"]
        assert container["image"] == "credit-platform", name
        assert container["envFrom"] == SOURCES, name


def test_every_pod_runs_unprivileged_with_a_read_only_root() -> None:
    for name, spec in pod_specs().items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, name
        (container,) = spec["containers"]
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }, name
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert {"/tmp", "/var/lib/credit"} <= mounts, name


def test_web_probes_use_liveness_and_readiness_endpoints() -> None:
    (container,) = pod_specs()["credit-web"]["containers"]

    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8000}]


def test_processes_with_several_workers_share_a_metrics_folder() -> None:
    for name in ("credit-web", "credit-worker"):
        spec = pod_specs()[name]
        (container,) = spec["containers"]
        env = {item["name"]: item["value"] for item in container["env"]}
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert env["PROMETHEUS_MULTIPROC_DIR"] == mounts["prometheus"] == "/var/run/prometheus"
        assert volumes["prometheus"]["emptyDir"] == {"medium": "Memory"}
    (worker,) = pod_specs()["credit-worker"]["containers"]
    assert worker["ports"] == [{"name": "metrics", "containerPort": 9808}]
    assert {"name": "WORKER_METRICS_PORT", "value": "9808"} in worker["env"]


def test_there_is_only_ever_one_beat() -> None:
    (beat,) = [d for d in of_kind("Deployment") if d["metadata"]["name"] == "credit-beat"]

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_the_migration_job_runs_the_migration_script() -> None:
    (job,) = of_kind("Job")
    (container,) = job["spec"]["template"]["spec"]["containers"]

    assert container["command"] == ["sh", "infra/migrate.sh"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_the_ingress_sends_every_host_to_web_and_accepts_the_largest_upload() -> None:
    (ingress,) = of_kind("Ingress")
    annotations = ingress["metadata"]["annotations"]
    (rule,) = ingress["spec"]["rules"]
    (route,) = rule["http"]["paths"]

    assert "host" not in rule
    assert (route["path"], route["pathType"]) == ("/", "Prefix")
    assert route["backend"]["service"] == {"name": "credit-web", "port": {"name": "http"}}
    body_limit = size_in_bytes(annotations["nginx.ingress.kubernetes.io/proxy-body-size"])
    assert 0 < body_limit - upload_limit() <= 2 * 1024 * 1024


def test_the_config_map_carries_the_platform_defaults() -> None:
    (config,) = of_kind("ConfigMap")
    data: dict[str, Any] = config["data"]

    assert int(data["COLLECTION_MAX_UPLOAD_BYTES"]) == upload_limit()
    assert data["DJANGO_DEBUG"] == "0"
    assert data["LOG_FORMAT"] == "json"
    assert all(isinstance(value, str) for value in data.values())
    # Served over TLS by the Ingress: browsers are told to stay on HTTPS for a year at least.
    assert int(data["DJANGO_HSTS_SECONDS"]) >= 365 * 24 * 3600
    assert data["DJANGO_SECURE_COOKIES"] == "1"


def upload_limit() -> int:
    (config,) = of_kind("ConfigMap")
    limit = int(config["data"]["COLLECTION_MAX_UPLOAD_BYTES"])
    assert limit == settings.COLLECTION_MAX_UPLOAD_BYTES  # the ConfigMap keeps the default
    return limit


def size_in_bytes(size: str) -> int:
    """An nginx size ("201m", "512k", "1g")."""
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    suffix = size[-1].lower()
    return int(size[:-1]) * units[suffix] if suffix in units else int(size)
