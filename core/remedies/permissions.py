"""Permissions of objections and credit repair (core/accounts/policy.py)."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

REFUSAL = "无权访问此页面"
REMEDY_VIEW = permission(
    "remedy.view",
    [StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.WINDOW_CLERK, StaffRole.AUDITOR],
    refusal=REFUSAL,
)
# Register an objection or a repair application for a visitor at the window.
REMEDY_TAKE = permission(
    "remedy.take",
    [StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.WINDOW_CLERK],
    refusal=REFUSAL,
)
# Answer an objection, decide a repair.
REMEDY_DECIDE = permission("remedy.decide", [StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN])
