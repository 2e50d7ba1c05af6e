from __future__ import annotations

import strawberry

from graphql_api.accounts.types import ViewerType
from graphql_api.context import Info

__all__ = ["AccountsQuery"]


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The signed-in staff member, or null.")
    def viewer(self, info: Info) -> ViewerType | None:
        user = info.context.user
        if user is None:
            return None
        return ViewerType.from_user(
            user, is_operator=info.context.district is None and user.is_staff
        )
