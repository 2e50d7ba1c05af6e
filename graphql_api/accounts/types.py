from __future__ import annotations

import strawberry

from core.accounts.models import User

__all__ = ["ViewerType"]


@strawberry.type(name="Viewer", description="The signed-in staff member.")
class ViewerType:
    email: str = strawberry.field(description="Login e-mail.")
    full_name: str = strawberry.field(description="Name.")
    role: str = strawberry.field(description="District role (empty for operator staff).")
    is_operator: bool = strawberry.field(description="Operator staff (public schema).")

    @classmethod
    def from_user(cls, user: User, *, is_operator: bool) -> ViewerType:
        return cls(
            email=user.email, full_name=user.full_name, role=user.role, is_operator=is_operator
        )
