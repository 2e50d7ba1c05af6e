"""Permissions of upstream reporting (core/accounts/policy.py)."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

UPSTREAM_MANAGE = permission("upstream.manage", [StaffRole.DISTRICT_ADMIN])
