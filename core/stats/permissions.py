"""Permissions of the statistics (core/accounts/policy.py)."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

# The classified statistics dashboard and its exports: every staff role (the portal's 成果展示
# shows the public subset to anyone).
STATS_VIEW = permission("stats.view", list(StaffRole))
