"""Role checks used by services (not only by views): one place that says who may do what."""

from __future__ import annotations

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.errors import PermissionDenied

ROLE_NAMES = dict(StaffRole.choices)


def require_role(actor: User, *roles: StaffRole) -> None:
    """Raise PermissionDenied unless `actor` is active and has one of `roles`."""
    if not actor.is_active or actor.role not in {r.value for r in roles}:
        allowed = "、".join(ROLE_NAMES[r.value] for r in roles)
        raise PermissionDenied(f"此操作需要以下角色之一：{allowed}", code="FORBIDDEN")
