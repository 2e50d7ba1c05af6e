"""The typed context every resolver receives (strawberry-django's ecommerce example shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from django.http import HttpRequest, HttpResponse

from core.common.actors import Actor
from core.common.errors import PermissionDenied

if TYPE_CHECKING:
    from core.accounts.models import User
    from core.collection.models import DepartmentApiKey
    from tenants.models import District


@dataclass
class Credentials:
    """An API credential presented with the request (institutions' keys; see the billing issue)."""

    key_id: str
    scopes: frozenset[str] = field(default_factory=frozenset)


@dataclass
class GraphQLContext:
    request: HttpRequest
    response: HttpResponse
    district: District | None
    user: User | None
    credentials: Credentials | None = None
    # A department system authenticated with its API key (records push).
    department_key: DepartmentApiKey | None = None

    @property
    def schema_name(self) -> str:
        return self.district.schema_name if self.district is not None else "public"

    def require_user(self) -> User:
        if self.user is None:
            raise PermissionDenied("请先登录", code="UNAUTHENTICATED")
        return self.user

    def require_operator(self) -> User:
        user = self.require_user()
        if self.district is not None and self.district.kind != "operator":
            raise PermissionDenied("仅运营方可用", code="FORBIDDEN")
        if not user.is_staff:
            raise PermissionDenied("需要运营方职员权限", code="FORBIDDEN")
        return user

    def actor(self) -> Actor:
        return Actor.for_user(self.require_user(), schema=self.schema_name)

    def __getitem__(self, key: str) -> Any:  # strawberry-django reads context["request"]
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


Info: TypeAlias = strawberry.Info[GraphQLContext, None]
