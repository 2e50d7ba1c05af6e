"""Who may do what: one permission per action, declared once, in the module of the domain it
belongs to (`core/<domain>/permissions.py`), and asked the same way by services, views, GraphQL
and templates:

    from core.records.permissions import RECORD_WITHDRAW
    require(user, RECORD_WITHDRAW)           # a service: raises PermissionDenied in Chinese
    if can(user, RECORD_CORRECT, record):    # a view deciding what to show
    {% if user|can:"record.withdraw" %}      # a template (portal_theme/templatetags/policy.py)

A permission names the roles that hold it and, where it depends on the object, a check (a data
clerk corrects only its own department's records). No interface lists roles itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.errors import PermissionDenied

ROLE_NAMES = dict(StaffRole.choices)
_DECLARED: dict[str, Permission] = {}


@dataclass(frozen=True)
class Permission:
    """May `name` be done: by these roles, and (when given) only where `applies` says so."""

    name: str  # "<area>.<verb>", e.g. "record.withdraw"
    roles: tuple[str, ...]  # in the order the refusal names them
    refusal: str = ""  # Chinese; by default the roles that may
    applies: Callable[[User, Any], bool] | None = field(default=None, compare=False)

    @property
    def message(self) -> str:
        if self.refusal:
            return self.refusal
        allowed = "、".join(ROLE_NAMES[r] for r in self.roles)
        return f"此操作需要以下角色之一：{allowed}"


def permission(
    name: str,
    roles: Iterable[StaffRole],
    *,
    refusal: str = "",
    applies: Callable[[User, Any], bool] | None = None,
) -> Permission:
    """Declare a permission (once per name: a domain's permissions module does it at import)."""
    declared = Permission(name, tuple(r.value for r in roles), refusal, applies)
    if _DECLARED.get(name, declared) != declared:
        raise ValueError(f"permission {name} declared twice, differently")
    _DECLARED[name] = declared
    return declared


def can(user: User | Any, granted: Permission | str, obj: Any = None) -> bool:
    """Whether an active staff member holds the permission (for `obj`, when it depends on one)."""
    rule = _DECLARED[granted] if isinstance(granted, str) else granted
    if not getattr(user, "is_active", False) or getattr(user, "role", None) not in rule.roles:
        return False
    return rule.applies is None or rule.applies(user, obj)


def require(user: User, granted: Permission, obj: Any = None) -> None:
    """Raise PermissionDenied (code FORBIDDEN, the permission's Chinese message) unless `can`."""
    if not can(user, granted, obj):
        raise PermissionDenied(granted.message, code="FORBIDDEN")


def declared(name: str) -> Permission:
    """The permission declared under `name` (templates ask by name)."""
    return _DECLARED[name]
