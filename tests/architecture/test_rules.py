"""Rules of the codebase's shape (STYLE.md §1–§2), checked on the source and on the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from core.common.placement import Placement, placement_of

ROOT = Path(__file__).resolve().parents[2]
OUR_PACKAGES = (
    "core",
    "tenants",
    "provisioning",
    "graphql_api",
    "console",
    "portal",
    "portal_theme",
    "billing",
    "exchange",
)


def our_models() -> list[type]:
    return [m for m in apps.get_models() if m.__module__.split(".")[0] in OUR_PACKAGES]


def python_files(*packages: str) -> list[Path]:
    return [
        p for pkg in packages for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts
    ]


def app_entry(model: type) -> str:
    return apps.get_app_config(model._meta.app_label).name  # type: ignore[attr-defined]


def test_every_model_declares_where_it_lives() -> None:
    undeclared = [m.__name__ for m in our_models() if placement_of(m) is None]

    assert our_models(), "no models found"
    assert undeclared == []


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m.__name__)
def test_each_model_is_installed_where_it_declares(model: type) -> None:
    entry = app_entry(model)
    in_shared = entry in settings.SHARED_APPS
    in_tenant = entry in settings.TENANT_APPS
    expected = {
        Placement.PUBLIC: (True, False),
        Placement.DISTRICT: (False, True),
        Placement.BOTH: (True, True),
    }[placement_of(model)]  # type: ignore[index]

    assert (in_shared, in_tenant) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("model", our_models(), ids=lambda m: m.__name__)
def test_each_table_exists_only_in_the_schemas_it_declares(model: type) -> None:
    table = model._meta.db_table  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s "
            "AND table_schema IN ('public', 'district_template', 'wanzhou')",
            [table],
        )
        schemas = {row[0] for row in cursor.fetchall()}
    expected = {
        Placement.PUBLIC: {"public"},
        Placement.DISTRICT: {"district_template", "wanzhou"},
        Placement.BOTH: {"public", "district_template", "wanzhou"},
    }[placement_of(model)]  # type: ignore[index]

    assert schemas == expected


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_core_storage_imports_boto3() -> None:
    storage_libs = ("boto3", "botocore", "storages.backends.s3", "mypy_boto3_s3")
    offenders = [
        str(path.relative_to(ROOT))
        for path in python_files(*OUR_PACKAGES)
        if path.parts[len(ROOT.parts) : len(ROOT.parts) + 2] != ("core", "storage")
        and any(
            name == lib or name.startswith(lib + ".")
            for name in _imports(path)
            for lib in storage_libs
        )
    ]

    assert offenders == []


ORM_WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}


def test_no_orm_writes_in_graphql_api() -> None:
    offenders = []
    for path in python_files("graphql_api"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ORM_WRITES
                and not (
                    isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "conf"
                )
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()")

    assert offenders == []


def test_celery_tasks_live_in_tasks_modules_and_are_named_task() -> None:
    offenders = []
    for path in python_files(*OUR_PACKAGES):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.FunctionDef)
                and any(
                    (isinstance(d, ast.Call) and getattr(d.func, "id", "") == "shared_task")
                    or getattr(d, "id", "") == "shared_task"
                    for d in node.decorator_list
                )
                and (path.name != "tasks.py" or not node.name.endswith("_task"))
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []


CLOCK_FUNCTIONS = {"now", "localdate", "localtime", "today", "time"}


def test_tests_move_the_whole_clock_not_one_function() -> None:
    """A test that patched `timezone.now` (or `localdate`, `date.today`, `time.time`) left every
    other clock of the process at the real day: sessions expired or not depending on the day CI
    ran (issue 17). Tests move the clock with tests/support/clock.py instead."""
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            target = node.args[1]
            if (
                name in {"setattr", "patch", "patch.object"}
                and isinstance(target, ast.Constant)
                and target.value in CLOCK_FUNCTIONS
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert offenders == []
