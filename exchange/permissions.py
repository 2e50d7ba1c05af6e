"""Permissions of the exchange between districts (core/accounts/policy.py)."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

AGREEMENT_MANAGE = permission("agreement.manage", [StaffRole.DISTRICT_ADMIN])
EXCHANGE_VIEW = permission(
    "exchange.view", [StaffRole.DISTRICT_ADMIN, StaffRole.AUDITOR],
    refusal="只有区县管理员和审计员可以查看信息共享",
)  # fmt: skip
# Ask another district for a subject's shared records (not the auditor: it only reads).
EXCHANGE_LOOKUP = permission(
    "exchange.lookup",
    [StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.WINDOW_CLERK, StaffRole.DATA_CLERK],
)
# Replace the district's signing key (the old public key still verifies during its grace period).
SIGNING_KEY_ROTATE = permission("signing_key.rotate", [StaffRole.DISTRICT_ADMIN])
