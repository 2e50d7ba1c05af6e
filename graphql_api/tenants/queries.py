from __future__ import annotations

from collections.abc import Iterable

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import relay
from strawberry_django.relay import DjangoListConnection

from graphql_api.context import Info
from graphql_api.tenants.types import AuditEntryType, DistrictStatus, DistrictType
from tenants.enums import DistrictStatus as DistrictStatusChoices
from tenants.models import PlatformAuditEntry
from tenants.selectors import district_get, district_overview_list, platform_audit_list

__all__ = ["TenantsQuery"]


@strawberry.type
class TenantsQuery:
    @relay.connection(
        # DistrictType is not a relay.Node: the list connection pages by offset cursors.
        relay.ListConnection[DistrictType],  # type: ignore[type-var]
        description="Districts with their status, domains and counts (operator only).",
    )
    def districts(self, info: Info, status: DistrictStatus | None = None) -> Iterable[DistrictType]:
        info.context.require_operator()
        wanted = DistrictStatusChoices(status.value) if status is not None else None
        return [DistrictType.from_overview(o) for o in district_overview_list(status=wanted)]

    @strawberry.field(description="One district by slug (operator only).")
    def district(self, info: Info, slug: str) -> DistrictType:
        info.context.require_operator()
        district = district_get(slug=slug)
        overview = next(o for o in district_overview_list() if o.slug == district.schema_name)
        return DistrictType.from_overview(overview)

    @strawberry_django.connection(
        DjangoListConnection[AuditEntryType],  # type: ignore[type-var]
        description="The platform audit log, newest first, optionally for one district.",
    )
    def audit_entries(
        self, info: Info, district_slug: str | None = None
    ) -> QuerySet[PlatformAuditEntry]:
        info.context.require_operator()
        return platform_audit_list(district_schema=district_slug)
