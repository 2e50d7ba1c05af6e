"""Every environment variable the code reads is wired into the compose file and the Kubernetes
manifests, and documented in docs/operations.md; none that it does not read is."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import dockerfile

from tests.infra.files import (
    DOCKERFILE,
    INFRA,
    OPERATIONS_DOC,
    ROOT,
    app_services,
    of_kind,
    pod_specs,
)

READERS = {"env_str", "env_int", "env_bool", "env_list", "getenv"}
# Read by the code but not configuration of a deployment.
NOT_DEPLOYED = {
    "CREDIT_EMBEDDED_DB_NAME": "the embedded PostgreSQL's database (no DATABASE_URL)",
    "CREDIT_TEST_DB_NAME": "the test database",
    "EXCHANGE_LOCAL_PORT": "`dev.py demo`'s port for `.localhost` providers; only with DEBUG",
    "LC_ALL": "set and restored around the embedded PostgreSQL's initdb",
    "UPSTREAM_TEST_NETWORKS": "a local test upstream on loopback; refused without DJANGO_DEBUG",
}


def source_files() -> list[Path]:
    packages = [p for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name != "tests"]
    files = [
        f for package in packages for f in package.rglob("*.py") if "migrations" not in f.parts
    ]
    return [*files, INFRA / "gunicorn.conf.py"]


def _name(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def variables_read() -> set[str]:
    """Names passed to env_str/env_int/env_bool/env_list, os.getenv, os.environ.get/[...]."""
    names: set[str] = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                on_environ = isinstance(func, ast.Attribute) and (
                    getattr(func.value, "attr", "") == "environ"
                )
                if called in READERS or (on_environ and called in ("get", "setdefault")):
                    names.add(_name(node.args[0]) or "")
            elif isinstance(node, ast.Subscript) and getattr(node.value, "attr", "") == "environ":
                names.add(_name(node.slice) or "")
    names.discard("")
    return names - set(NOT_DEPLOYED)


def image_environment() -> set[str]:
    return {
        command.value[i]
        for command in dockerfile.parse_file(str(DOCKERFILE))
        if command.cmd == "ENV"
        for i in range(0, len(command.value), 2)
    }


def documented_command_keys(resource: str) -> set[str]:
    """The keys of `kubectl … create secret|configmap … <resource>` in docs/operations.md."""
    text = OPERATIONS_DOC.read_text(encoding="utf-8")
    (command,) = re.findall(
        rf"create (?:secret generic|configmap) {resource} \\\n((?:.*\\\n)*.*)", text
    )
    return set(re.findall(r"--from-literal=([A-Z0-9_]+)=", command))


def test_the_code_reads_the_variables_this_test_expects() -> None:
    read = variables_read()

    assert {"DATABASE_URL", "S3_BUCKET", "LOG_FORMAT", "GUNICORN_WORKERS"} <= read
    assert "PROMETHEUS_MULTIPROC_DIR" in read


def test_the_compose_file_passes_every_variable() -> None:
    passed = {name for spec in app_services().values() for name in spec.get("environment", {})}

    assert sorted(variables_read() - passed - image_environment()) == []
    assert sorted(passed - variables_read()) == []


def test_the_kubernetes_workloads_get_every_variable() -> None:
    (platform,) = of_kind("ConfigMap")
    secrets = documented_command_keys("credit-secrets")
    site = documented_command_keys("credit-site")
    per_container = {
        item["name"]
        for spec in pod_specs().values()
        for container in spec["containers"]
        for item in container.get("env", [])
    }
    wired = set(platform["data"]) | secrets | site | per_container

    assert sorted(variables_read() - wired - image_environment()) == []
    assert sorted(wired - variables_read()) == []
    assert set(platform["data"]).isdisjoint(secrets | site)
    assert secrets.isdisjoint(site)
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "S3_SECRET_ACCESS_KEY", "METRICS_TOKEN"} <= secrets


def test_the_operations_guide_documents_every_variable() -> None:
    text = OPERATIONS_DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (`[A-Z][A-Z0-9_]+`(?:[^|]*))\|", text, flags=re.MULTILINE)
    documented = set()
    for cell in rows:
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)
        documented |= set(names)
        # `GRAPHQL_MAX_DEPTH` / `_TOKENS` / `_ALIASES`: the short forms share the first's prefix.
        stem = names[0].rsplit("_", 1)[0]
        documented |= {stem + short for short in re.findall(r"`(_[A-Z0-9_]+)`", cell)}

    assert sorted(variables_read() - documented) == []
    assert sorted(documented - variables_read()) == []
