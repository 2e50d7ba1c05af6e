from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import CatalogCategory, CatalogItem, CatalogSupply
from core.catalog.services import (
    catalog_item_add,
    catalog_item_set_active,
    catalog_supply_set,
    department_create,
)
from core.common.errors import PermissionDenied, ValidationFailed
from tests.conftest import client_for, make_staff
from tests.core.collection.files import uscc


@pytest.fixture
def admin(wanzhou_admin: User) -> Iterator[User]:
    with schema_context("wanzhou"):
        yield wanzhou_admin


def test_an_admin_adds_a_department_with_a_valid_code(admin: User) -> None:
    department = department_create(
        actor=admin, code=uscc(8, head="11500101").lower(), name="万州区交通局"
    )

    assert department.code == uscc(8, head="11500101")
    with pytest.raises(ValidationFailed, match="已存在"):
        department_create(actor=admin, code=uscc(8, head="11500101"), name="重复")
    with pytest.raises(ValidationFailed, match="校验位错误"):
        department_create(actor=admin, code="11500101000000081X", name="错误")


def test_supplement_items_are_numbered_per_category_and_marked_local(admin: User) -> None:
    category = CatalogCategory.objects.get(number=10)

    first = catalog_item_add(
        actor=admin,
        category=category,
        name="万州区诚信示范企业",
        disclosure="public",
        subject_scope="legal",
    )
    second = catalog_item_add(
        actor=admin,
        category=category,
        name="万州区守信志愿者",
        disclosure="public",
        subject_scope="natural",
    )

    assert (first.code, second.code, first.source) == ("D10-01", "D10-02", "district")
    assert catalog_item_set_active(actor=admin, item=first, active=False).is_active is False
    with pytest.raises(ValidationFailed, match="全国基础目录中的信息项不能停用"):
        catalog_item_set_active(
            actor=admin, item=CatalogItem.objects.get(code="N03-02"), active=False
        )


def test_supply_deadlines_are_set_and_changed(admin: User) -> None:
    department = department_create(actor=admin, code=uscc(8, head="11500101"), name="万州区交通局")
    item = CatalogItem.objects.get(code="N03-02")

    catalog_supply_set(actor=admin, item=item, department=department, deadline_working_days=7)
    catalog_supply_set(actor=admin, item=item, department=department, deadline_working_days=5)

    assert list(CatalogSupply.objects.values_list("deadline_working_days", flat=True)) == [5]
    with pytest.raises(ValidationFailed, match="报送时限应为1–60个工作日"):
        catalog_supply_set(actor=admin, item=item, department=department, deadline_working_days=0)


def test_only_admins_change_the_catalogue(wanzhou: object) -> None:
    clerk = make_staff("wanzhou", "c@wanzhou.test", StaffRole.DATA_CLERK)
    with schema_context("wanzhou"), pytest.raises(PermissionDenied):
        department_create(actor=clerk, code=uscc(8, head="11500101"), name="x")


def test_the_console_page_adds_a_department(admin: User) -> None:
    client = client_for("wanzhou.localhost")
    client.force_login(admin)

    response = client.post(
        "/console/catalogue/",
        {"department_add": "1", "code": uscc(9, head="11500101"), "name": "万州区商务委"},
        follow=True,
    )

    assert (
        '<p class="card" role="status" data-testid="done">已添加部门：万州区商务委</p>'
        in response.content.decode()
    )
