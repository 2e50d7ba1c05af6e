"""Benchmarks run with `python3 dev.py bench` (marker `bench`); `python3 dev.py test` skips them."""

from __future__ import annotations

from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees every collected test, not only this folder's: mark just the benchmarks.
    for item in items:
        if BENCH_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.bench)
