"""Department-scoped permissions: a data clerk acts only for the department it is assigned to
(StaffAssignment); reviewers and district admins for any."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import StaffAssignment
from core.common.errors import PermissionDenied


def department_id_of(actor: User) -> int | None:
    """The department a staff member belongs to (None when unassigned)."""
    assignment = StaffAssignment.objects.filter(user=actor).only("department_id").first()
    return assignment.department_id if assignment else None


def may_correct(actor: User, department_id: int) -> bool:
    """Whether `actor` may enter and correct records for the department (require_department)."""
    try:
        require_department(actor, department_id)
    except PermissionDenied:
        return False
    return True


def require_department(actor: User, department_id: int) -> None:
    """Data clerks act only for their own department; admins and reviewers for any."""
    if actor.role in (StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER):
        return
    if actor.role != StaffRole.DATA_CLERK or department_id_of(actor) != department_id:
        raise PermissionDenied("数据录入员只能为本部门录入和上传数据", code="FORBIDDEN")
