from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
import strawberry_django

from tenants.models import PlatformAuditEntry
from tenants.selectors import DistrictOverview

__all__ = ["AuditEntryType", "DistrictError", "DistrictErrorCode", "DistrictStatus", "DistrictType"]


@strawberry.enum(description="A district's lifecycle status (tenants.enums.DistrictStatus).")
class DistrictStatus(Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"
    DELETION_PENDING = "deletion_pending"
    PURGED = "purged"


@strawberry.type(name="District", description="A district platform, as the operator sees it.")
class DistrictType:
    slug: str = strawberry.field(description="The district's identifier and schema name.")
    name: str = strawberry.field(description="District name, e.g. 万州区.")
    platform_name: str = strawberry.field(description="Platform name, e.g. 信用万州.")
    region_code: str = strawberry.field(description="GB/T 2260 administrative division code.")
    status: DistrictStatus = strawberry.field(description="Lifecycle status.")
    status_reason: str = strawberry.field(description="Reason given for the last status change.")
    domains: list[str] = strawberry.field(description="Host names, primary first.")
    staff_count: int = strawberry.field(description="Staff accounts in the district.")
    catalogue_item_count: int = strawberry.field(description="Active catalogue items.")
    created_at: datetime = strawberry.field(description="When the district was onboarded.")
    purge_after: datetime | None = strawberry.field(
        description="When a pending deletion becomes final."
    )

    @classmethod
    def from_overview(cls, overview: DistrictOverview) -> DistrictType:
        return cls(
            slug=overview.slug,
            name=overview.name,
            platform_name=overview.platform_name,
            region_code=overview.region_code,
            status=DistrictStatus(overview.status),
            status_reason=overview.status_reason,
            domains=list(overview.domains),
            staff_count=overview.staff_count,
            catalogue_item_count=overview.catalogue_item_count,
            created_at=overview.created_at,
            purge_after=overview.purge_after,
        )


@strawberry_django.type(
    PlatformAuditEntry, name="AuditEntry", description="One entry of the platform audit log."
)
class AuditEntryType:
    occurred_at: datetime = strawberry_django.field(description="When it happened.")
    actor: str = strawberry_django.field(
        field_name="actor_label", description="Who did it (e-mail, cli:<user> or system:<job>)."
    )
    action: str = strawberry_django.field(description="What was done, e.g. district.suspend.")
    district_slug: str = strawberry_django.field(
        field_name="district_schema", description="The district concerned."
    )
    details: strawberry.scalars.JSON = strawberry_django.field(
        description="Action-specific details."
    )


@strawberry.enum(description="Why a district mutation failed.")
class DistrictErrorCode(Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    SLUG_TAKEN = "SLUG_TAKEN"
    DOMAIN_TAKEN = "DOMAIN_TAKEN"
    REGION_TAKEN = "REGION_TAKEN"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    GRACE_PERIOD = "GRACE_PERIOD"


@strawberry.type(description="A problem with a district mutation's input.")
class DistrictError:
    code: DistrictErrorCode = strawberry.field(description="Machine-readable error code.")
    message: str = strawberry.field(description="What is wrong, in Chinese.")
    field: str | None = strawberry.field(description="The input field at fault, if any.")
