"""Permissions of reports and consents (core/accounts/policy.py)."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

_WINDOW = [StaffRole.WINDOW_CLERK, StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN]
# The service-hall window: issue reports, record consents seen on paper.
REPORT_ISSUE = permission(
    "report.issue", _WINDOW, refusal="只有征信窗口办事员、审核员和区县管理员可以办理"
)
CONSENT_RECORD = permission(
    "consent.record", _WINDOW, refusal="只有征信窗口办事员、审核员和区县管理员可以办理"
)
# Check the consents institutions lodged over the API.
CONSENT_VERIFY = permission(
    "consent.verify", [StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN],
    refusal="只有审核员和区县管理员可以核验授权",
)  # fmt: skip
CONSENT_POLICY = permission("consent.policy", [StaffRole.DISTRICT_ADMIN])
WINDOW_PRICE = permission("window.price", [StaffRole.DISTRICT_ADMIN])
