"""职员管理: the district admin adds staff; no one else manages them."""

from __future__ import annotations

from django_tenants.utils import schema_context

from core.accounts.models import User
from core.catalog.models import Department, StaffAssignment
from tests.support.pages import signed_in


def test_an_admin_adds_a_clerk_with_a_department(
    wanzhou_admin: User, department: Department
) -> None:
    client = signed_in(wanzhou_admin)

    missing = client.post(
        "/console/staff/", {"email": "a@wanzhou.test", "full_name": "甲", "role": "data_clerk"}
    )
    created = client.post(
        "/console/staff/",
        {
            "email": "b@wanzhou.test",
            "full_name": "乙",
            "role": "data_clerk",
            "department": department.pk,
        },
    )

    assert missing.context["form"].errors == {"department": ["数据录入员必须指定所属部门"]}
    assert "/console/first-login/" in created.context["link"]
    with schema_context("wanzhou"):
        assert StaffAssignment.objects.get(user__email="b@wanzhou.test").department == department


def test_only_admins_manage_staff(clerk: User) -> None:
    assert signed_in(clerk).get("/console/staff/").status_code == 404
