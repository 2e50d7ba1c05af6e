"""The deployment files under infra/, read as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
K8S = INFRA / "k8s"
COMPOSE = INFRA / "compose.yaml"
DOCKERFILE = INFRA / "Dockerfile"
NGINX_CONF = INFRA / "nginx" / "nginx.conf"
OPERATIONS_DOC = ROOT / "docs" / "operations.md"


def kustomizations() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


def manifests() -> list[Path]:
    """Every Kubernetes manifest (the kustomization files configure kustomize, not the cluster)."""
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def resources() -> list[dict[str, Any]]:
    return [doc for path in manifests() for doc in load_all(path)]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in resources() if doc["kind"] == kind]


def pod_specs() -> dict[str, dict[str, Any]]:
    """The pod spec of every workload, by workload name."""
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"]
        for doc in resources()
        if doc["kind"] in ("Deployment", "Job")
    }


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def app_services() -> dict[str, dict[str, Any]]:
    """The compose services that run the platform's image."""
    services: dict[str, dict[str, Any]] = compose()["services"]
    image = compose()["x-app"]["image"]
    return {name: spec for name, spec in services.items() if spec.get("image") == image}
