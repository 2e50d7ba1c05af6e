from __future__ import annotations

import strawberry

from core.common.errors import NotFound
from core.content.sql import district_profile_get
from graphql_api.context import Info
from graphql_api.portal.types import DistrictProfileType

__all__ = ["PortalQuery"]


@strawberry.type
class PortalQuery:
    @strawberry.field(description="This district's public profile and theme (one SQL statement).")
    def district(self, info: Info) -> DistrictProfileType:
        profile = district_profile_get()
        if profile is None:
            raise NotFound("平台资料不存在")
        return DistrictProfileType.from_profile(profile)
