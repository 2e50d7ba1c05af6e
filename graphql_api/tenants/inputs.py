from __future__ import annotations

import strawberry

__all__ = ["DistrictLifecycleInput", "DistrictOnboardInput"]


@strawberry.input(description="A new district to onboard.")
class DistrictOnboardInput:
    slug: str = strawberry.field(description="Identifier and schema name: a-z, 0-9, _; 2–30 chars.")
    name: str = strawberry.field(description="District name, e.g. 万州区.")
    platform_name: str = strawberry.field(description="Platform name, e.g. 信用万州.")
    region_code: str = strawberry.field(description="County-level GB/T 2260 code, e.g. 500101.")
    domain: str = strawberry.field(description="The district's host name.")
    admin_email: str = strawberry.field(description="E-mail of the district's first administrator.")
    admin_name: str = strawberry.field(default="", description="Name of the first administrator.")


@strawberry.input(description="A lifecycle step for one district.")
class DistrictLifecycleInput:
    slug: str = strawberry.field(description="The district.")
    reason: str = strawberry.field(default="", description="Why; kept in the audit log.")
    grace_days: int | None = strawberry.field(
        default=None, description="Deletion requests only: days before the purge (default 30)."
    )
