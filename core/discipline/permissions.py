"""Permissions of 联合奖惩 (core/accounts/policy.py). A department's clerk checks and feeds back
for its own department (core/catalog's DEPARTMENT_DATA rule); reviewers and district admins see
every department's checks and overdue feedback; the district admin manages matters and local
measures."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission
from core.catalog.permissions import DEPARTMENT_DATA

# Check subjects and record feedback for a department (the object: the department's id).
CHECK_RUN = DEPARTMENT_DATA
CHECK_VIEW = permission(
    "discipline.view",
    [StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.DATA_CLERK, StaffRole.AUDITOR],
    refusal="无权访问此页面",
)
# Register a department's matters and set their rules; add local measures.
MATTER_MANAGE = permission(
    "discipline.manage", [StaffRole.DISTRICT_ADMIN], refusal="只有区县管理员可以管理核查事项"
)
