"""What the tests of the HTML pages (tests/console/, tests/portal/) share: a district with a
department, its data clerk, a published record, and a client signed in as a staff member. Import
the fixtures a test module uses (`from tests.support.pages import department  # noqa: F401`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import Department, StaffAssignment
from core.records.models import Record
from tests.conftest import client_for, make_staff
from tests.core.collection.conftest import upload
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty
from tests.support.clock import Clock

TODAY = date(2026, 11, 27)


@pytest.fixture
def department(
    wanzhou: object, settings: Any, tmp_path: Path, clock: Clock
) -> Iterator[Department]:
    settings.MEDIA_ROOT = str(tmp_path)
    clock.default_to(TODAY)
    with schema_context("wanzhou"):
        yield Department.objects.create(code=DEPARTMENT_CODE, name="重庆市万州区市场监督管理局")


def signed_in(user: User) -> Client:
    client = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        client.force_login(user)
    return client


@pytest.fixture
def clerk(department: Department) -> User:
    user = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)
    with schema_context("wanzhou"):
        StaffAssignment.objects.create(user=user, department=department)
    return user


@pytest.fixture
def record(department: Department) -> Record:
    """A company's penalty, published (decided 2026-01-10, public until 2027-01-10)."""
    with schema_context("wanzhou"):
        upload(department, as_csv([penalty(1, JDRQ="2026-01-10", YXQ="2027-01-10")]))
        return Record.objects.get()
