"""Permissions of intake: department API keys and public submissions (core/accounts/policy.py);
uploads are core.catalog.permissions.DEPARTMENT_DATA."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

DEPARTMENT_KEY_ISSUE = permission("department_key.issue", [StaffRole.DISTRICT_ADMIN])
SUBMISSION_VIEW = permission(
    "submission.view", [StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN, StaffRole.AUDITOR]
)
SUBMISSION_REVIEW = permission("submission.review", [StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN])
# See every department's uploads (a data clerk sees its own department's: DEPARTMENT_DATA).
UPLOADS_VIEW_ALL = permission(
    "uploads.view_all", [StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.AUDITOR]
)
