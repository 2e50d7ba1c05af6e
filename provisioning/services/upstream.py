"""The operator sets where a district's upstream reports go (信用重庆, 信用中国): the endpoint's
name and URL live in the district's schema (its batches refer to it), but only the operator
writes them, from the console or `manage.py district set-upstream`; a district admin adds the
token and turns pushing on. Each change is in the platform audit log and the district's."""

from __future__ import annotations

from django.db import transaction
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.upstream.models import UpstreamEndpoint
from core.upstream.services import upstream_endpoint_configure
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District


def district_upstream_endpoint_set(
    *, district: District, name: str, url: str, actor: Actor
) -> UpstreamEndpoint:
    """Add a district's upstream platform or change its URL (by name). The URL must be HTTPS to
    a host on UPSTREAM_ALLOWED_HOSTS that resolves only to public addresses; empty turns pushing
    off. Audited in the platform audit log (`district.upstream_endpoint_set`)."""
    if district.kind != DistrictKind.DISTRICT or district.status == DistrictStatus.PURGED:
        raise ValidationFailed("只能为现有区县设置上报地址", field="slug")
    with transaction.atomic(), schema_context(district.schema_name):
        before = UpstreamEndpoint.objects.filter(name=name.strip()).values_list("url", flat=True)
        previous = before.first()
        endpoint = upstream_endpoint_configure(actor=actor, name=name, url=url)
        platform_audit_record(
            actor=actor,
            action="district.upstream_endpoint_set",
            district_schema=district.schema_name,
            details={"endpoint": endpoint.name, "url": endpoint.url, "previous_url": previous,
                     "enabled": endpoint.enabled},
        )  # fmt: skip
    return endpoint
