"""The typed context every resolver receives (strawberry-django's ecommerce example shape)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from django.http import HttpRequest, HttpResponse

from core.common.actors import Actor
from core.common.errors import ApplicationError, PermissionDenied

if TYPE_CHECKING:
    from billing.models import ApiKey
    from core.accounts.models import User
    from core.collection.models import DepartmentApiKey
    from tenants.models import District


@dataclass
class GraphQLContext:
    request: HttpRequest
    response: HttpResponse
    district: District | None
    user: User | None
    # A department system authenticated with its API key (records push).
    department_key: DepartmentApiKey | None = None
    # An institution's API key (metered purchases), or why the key it presented was refused.
    institution_key: ApiKey | None = None
    credential_error: ApplicationError | None = None

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

    def require_institution(self) -> tuple[ApiKey, District]:
        """The calling institution's key and the district it calls; raises with the reason."""
        if self.credential_error is not None:
            raise self.credential_error
        if self.institution_key is None or self.district is None:
            raise PermissionDenied(
                "请在 Authorization 头中以 Bearer 方式提供机构接口密钥", code="UNAUTHENTICATED"
            )
        return self.institution_key, self.district

    def actor(self) -> Actor:
        return Actor.for_user(self.require_user(), schema=self.schema_name)

    def __getitem__(self, key: str) -> Any:  # strawberry-django reads context["request"]
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


Info: TypeAlias = strawberry.Info[GraphQLContext, None]
