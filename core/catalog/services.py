"""Writes for the catalogue."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.accounts.permissions import STAFF_MANAGE
from core.accounts.policy import require
from core.accounts.services import login_link_issue, user_create_staff
from core.catalog.enums import CatalogSource, Disclosure, SubjectScope
from core.catalog.models import (
    CatalogCategory,
    CatalogItem,
    CatalogSupply,
    CatalogVersion,
    Department,
    StaffAssignment,
)
from core.catalog.permissions import CATALOGUE_MANAGE
from core.common.errors import ValidationFailed
from core.common.identifiers import normalise, uscc_problem
from core.common.versioning import data_changed

NATIONAL_CATALOGUE_FILE = Path(__file__).parent / "data" / "national_2021.json"


@cache
def _national_catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(NATIONAL_CATALOGUE_FILE.read_text(encoding="utf-8"))
    return data


@transaction.atomic
def catalog_seed_national() -> CatalogVersion:
    """Load the national base catalogue into the current district schema. Idempotent."""
    data = _national_catalogue()
    version, created = CatalogVersion.objects.get_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "source": data["source"],
            "effective_from": date.fromisoformat(data["effective_from"]),
            "basis": data["basis"],
        },
    )
    if not created:
        return version
    categories = CatalogCategory.objects.bulk_create(
        [
            CatalogCategory(version=version, number=c["number"], name=c["name"])
            for c in data["categories"]
        ]
    )
    CatalogItem.objects.bulk_create(
        [
            CatalogItem(
                category=category,
                code=item["code"],
                name=item["name"],
                disclosure=item["disclosure"],
                subject_scope=item["subject_scope"],
            )
            for category, raw in zip(categories, data["categories"], strict=True)
            for item in raw["items"]
        ]
    )
    return version


def department_create(*, actor: User, code: str, name: str) -> Department:
    """A district admin registers a department that supplies credit information."""
    require(actor, CATALOGUE_MANAGE)
    code = normalise(code)
    if (problem := uscc_problem(code)) is not None:
        raise ValidationFailed(problem.message, field="code")
    name = name.strip()
    if not 2 <= len(name) <= 100:
        raise ValidationFailed("部门名称应为2–100字", field="name")
    if Department.objects.filter(code=code).exists():
        raise ValidationFailed(
            f"统一社会信用代码为{code}的部门已存在", field="code", code="DEPARTMENT_EXISTS"
        )
    return Department.objects.create(code=code, name=name)


@transaction.atomic
def catalog_item_add(
    *,
    actor: User,
    category: CatalogCategory,
    name: str,
    disclosure: str,
    subject_scope: str,
    description: str = "",
) -> CatalogItem:
    """A district supplement item (本地补充目录) in one of the national categories; coded D<nn>-<nn>."""
    require(actor, CATALOGUE_MANAGE)
    name = name.strip()
    if not 2 <= len(name) <= 200:
        raise ValidationFailed("信息项名称应为2–200字", field="name")
    if disclosure not in Disclosure.values:
        raise ValidationFailed("请选择公开属性", field="disclosure")
    if subject_scope not in SubjectScope.values:
        raise ValidationFailed("请选择适用主体", field="subject_scope")
    if CatalogItem.objects.filter(category__number=category.number, name=name).exists():
        raise ValidationFailed(f"该类别下已有信息项“{name}”", field="name", code="ITEM_EXISTS")
    prefix = f"D{category.number:02d}-"
    taken = CatalogItem.objects.filter(code__startswith=prefix).count()
    data_changed()
    return CatalogItem.objects.create(
        category=category, code=f"{prefix}{taken + 1:02d}", name=name, description=description.strip(),
        disclosure=disclosure, subject_scope=subject_scope, source=CatalogSource.DISTRICT,
    )  # fmt: skip


def catalog_supply_set(
    *, actor: User, item: CatalogItem, department: Department, deadline_working_days: int
) -> CatalogSupply:
    """Say which department supplies an item and within how many working days (1–60)."""
    require(actor, CATALOGUE_MANAGE)
    if not 1 <= deadline_working_days <= 60:
        raise ValidationFailed("报送时限应为1–60个工作日", field="deadline_working_days")
    supply, _ = CatalogSupply.objects.update_or_create(
        item=item, department=department, defaults={"deadline_working_days": deadline_working_days}
    )
    return supply


def catalog_item_set_active(*, actor: User, item: CatalogItem, active: bool) -> CatalogItem:
    """Switch a district item on or off (national items stay on: the law lists them)."""
    require(actor, CATALOGUE_MANAGE)
    if item.source == CatalogSource.NATIONAL and not active:
        raise ValidationFailed("全国基础目录中的信息项不能停用", code="NATIONAL_ITEM")
    item.is_active = active
    item.save(update_fields=["is_active"])
    data_changed()
    return item


def staff_create(
    *, actor: User, email: str, full_name: str, role: StaffRole, department_id: int | None
) -> tuple[User, str]:
    """A district admin adds a staff member; returns the account and its one-time login token.
    Data clerks must belong to a department (they enter data only for it)."""
    require(actor, STAFF_MANAGE)
    if role == StaffRole.DATA_CLERK and department_id is None:
        raise ValidationFailed("数据录入员必须指定所属部门", field="department")
    department = None
    if department_id is not None:
        department = Department.objects.filter(pk=department_id, is_active=True).first()
        if department is None:
            raise ValidationFailed("所选部门不存在或已停用", field="department")
    with transaction.atomic():
        user = user_create_staff(email=email, full_name=full_name, role=role)
        if department is not None:
            StaffAssignment.objects.create(user=user, department=department)
        token = login_link_issue(user=user)
    return user, token
