"""Reads for districts. `district_overview_list` is the one named place that reads every district's
schema at once (for the operator's list); it does so in a single SQL statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Prefetch, QuerySet

from core.common.errors import NotFound
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District, Domain, PlatformAuditEntry


@dataclass(frozen=True)
class DistrictOverview:
    slug: str
    name: str
    platform_name: str
    region_code: str
    status: str
    status_reason: str
    domains: tuple[str, ...]
    staff_count: int
    catalogue_item_count: int
    created_at: datetime
    purge_after: datetime | None


def district_list(*, status: DistrictStatus | None = None) -> QuerySet[District]:
    """Districts (not the operator's row or the template), oldest first, with their domains."""
    districts = District.objects.filter(kind=DistrictKind.DISTRICT).prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain"))
    )
    if status is not None:
        districts = districts.filter(status=status)
    return districts.order_by("created_at", "id")


def district_get(*, slug: str) -> District:
    """The district with this slug, or NotFound."""
    district = district_list().filter(schema_name=slug).first()
    if district is None:
        raise NotFound(f"没有标识为“{slug}”的区县", field="slug", code="NOT_FOUND")
    return district


def district_overview_list(*, status: DistrictStatus | None = None) -> list[DistrictOverview]:
    """Each district with its domains and the counts the operator watches, in one query."""
    districts = list(district_list(status=status))
    live = [d.schema_name for d in districts if d.status != DistrictStatus.PURGED]
    counts: dict[str, tuple[str, int, int]] = {}
    if live:
        parts = [
            f'SELECT %s, (SELECT platform_name FROM "{s}".portal_theme_theme LIMIT 1), '
            f'(SELECT count(*) FROM "{s}".accounts_user), '
            f'(SELECT count(*) FROM "{s}".catalog_catalogitem WHERE is_active)'
            for s in live
        ]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), live)
            for slug, platform_name, staff, items in cursor.fetchall():
                counts[slug] = (platform_name or "", int(staff), int(items))
    return [
        DistrictOverview(
            slug=d.schema_name,
            name=d.name,
            platform_name=counts.get(d.schema_name, ("", 0, 0))[0],
            region_code=d.region_code,
            status=d.status,
            status_reason=d.status_reason,
            domains=tuple(dom.domain for dom in d.domains.all()),
            staff_count=counts.get(d.schema_name, ("", 0, 0))[1],
            catalogue_item_count=counts.get(d.schema_name, ("", 0, 0))[2],
            created_at=d.created_at,
            purge_after=d.purge_after,
        )
        for d in districts
    ]


def platform_audit_list(*, district_schema: str | None = None) -> QuerySet[PlatformAuditEntry]:
    """Platform audit entries, newest first, optionally for one district."""
    entries = PlatformAuditEntry.objects.all()
    if district_schema is not None:
        entries = entries.filter(district_schema=district_schema)
    return entries.order_by("-occurred_at", "-id")


def district_schemas(slug: str | None) -> list[str]:
    """The schema of the district `slug` names, or, with no slug, of every live district (a
    district command's --district option). Raises NotFound for an unknown slug."""
    return [district_get(slug=slug).schema_name] if slug else live_district_schemas()


def live_district_schemas() -> list[str]:
    """Schemas of districts whose data is live (active, suspended or archived), for daily jobs."""
    return list(
        District.objects.filter(kind=DistrictKind.DISTRICT)
        .exclude(status__in=[DistrictStatus.PURGED, DistrictStatus.DELETION_PENDING])
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
