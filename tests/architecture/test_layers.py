"""The layer map (docs/architecture.md "Layers", ADR 0015): import-linter checks the contract in
`python3 dev.py test`; these tests check what it does not: that no two apps import each other,
even through others, and that every package is placed on the map."""

from __future__ import annotations

import itertools
import tomllib
from functools import cache

import grimp
from django.apps import apps

from tests.architecture.test_rules import ROOT

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]
ROOTS: list[str] = CONFIG["root_packages"]


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*ROOTS, exclude_type_checking_imports=True, cache_dir=None)


def placed() -> set[str]:
    (layers,) = [c["layers"] for c in CONFIG["contracts"] if c["type"] == "layers"]
    return {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}


def units() -> list[str]:
    """Our Django apps (an app inside another counts as part of it) and every package on the map."""
    names = {a.name for a in apps.get_app_configs() if a.name.split(".")[0] in ROOTS}
    outer = {n for n in names if not any(n.startswith(o + ".") for o in names if o != n)}
    return sorted(outer | placed())


def test_no_two_apps_import_each_other() -> None:
    cycles = [
        (a, b)
        for a, b in itertools.combinations(units(), 2)
        if graph().chain_exists(importer=a, imported=b, as_packages=True)
        and graph().chain_exists(importer=b, imported=a, as_packages=True)
    ]

    assert cycles == []


def test_every_package_is_on_the_layer_map() -> None:
    """A new app (or a new package under core/) goes into a layer in pyproject.toml."""
    packages = {
        module
        for module in graph().modules
        if module.count(".") <= (1 if module.startswith("core.") else 0)
        and module != "core"
        and (ROOT / module.replace(".", "/")).is_dir()
    }

    assert sorted(packages - placed()) == []
