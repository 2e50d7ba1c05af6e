"""Permissions of the portal's content (core/accounts/policy.py)."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.policy import permission

THEME_EDIT = permission(
    "theme.edit", [StaffRole.DISTRICT_ADMIN], refusal="只有区县管理员可以修改门户主题"
)
ARTICLE_EDIT = permission(
    "article.edit", [StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER],
    refusal="只有区县管理员和审核员可以编辑门户文章",
)  # fmt: skip
