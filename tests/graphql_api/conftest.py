"""Fixtures shared by the API tests: a department and its API key in 万州."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.collection.push import department_key_issue
from tests.core.collection.files import DEPARTMENT_CODE
from tests.support.clock import Clock

TODAY = date(2026, 11, 27)


@pytest.fixture
def department(
    wanzhou: object, settings: Any, tmp_path: Path, clock: Clock
) -> Iterator[Department]:
    settings.MEDIA_ROOT = str(tmp_path)
    clock.default_to(TODAY)
    with schema_context("wanzhou"):
        yield Department.objects.create(code=DEPARTMENT_CODE, name="市场监管局")


@pytest.fixture
def key(department: Department, wanzhou_admin: Any) -> str:
    with schema_context("wanzhou"):
        return department_key_issue(actor=wanzhou_admin, department=department, name="执法办案系统")
