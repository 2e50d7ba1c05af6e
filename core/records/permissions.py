"""Permissions of records (core/accounts/policy.py); entering and correcting a department's
records is core.catalog.permissions.DEPARTMENT_DATA."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

RECORD_WITHDRAW = permission("record.withdraw", [StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN])
