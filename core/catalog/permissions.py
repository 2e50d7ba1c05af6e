"""Permissions of the catalogue and of departments (core/accounts/policy.py). A data clerk acts
only for the department it is assigned to (StaffAssignment); reviewers and district admins for
any."""

from __future__ import annotations

from typing import Any

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.accounts.policy import can, permission
from core.catalog.models import StaffAssignment

CATALOGUE_MANAGE = permission("catalogue.manage", [StaffRole.DISTRICT_ADMIN])


def department_id_of(actor: User) -> int | None:
    """The department a staff member belongs to (None when unassigned)."""
    assignment = StaffAssignment.objects.filter(user=actor).only("department_id").first()
    return assignment.department_id if assignment else None


# Enter, upload and correct records for every department, not only one's own.
EVERY_DEPARTMENT_DATA = permission(
    "department.data_every", [StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER]
)


def _for_department(actor: User, department_id: Any) -> bool:
    if can(actor, EVERY_DEPARTMENT_DATA):
        return True
    return department_id is not None and department_id_of(actor) == department_id


# Enter, upload and correct records for a department (the object: the department's id).
DEPARTMENT_DATA = permission(
    "department.data",
    [StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.DATA_CLERK],
    refusal="数据录入员只能为本部门录入和上传数据",
    applies=_for_department,
)
