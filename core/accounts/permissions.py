"""Permissions about staff accounts and the district's audit log (core/accounts/policy.py)."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

STAFF_MANAGE = permission(
    "staff.manage", [StaffRole.DISTRICT_ADMIN], refusal="只有区县管理员可以管理职员"
)
AUDIT_VIEW = permission(
    "audit.view", [StaffRole.DISTRICT_ADMIN, StaffRole.AUDITOR],
    refusal="只有区县管理员和审计员可以查看审计日志",
)  # fmt: skip
