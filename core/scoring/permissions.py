"""Permissions of the scorecard (core/accounts/policy.py)."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

SCORECARD_EDIT = permission("scorecard.edit", [StaffRole.DISTRICT_ADMIN])
