"""A district's host names: a new domain (a government domain after the trial one, a second name)
is added, optionally made primary; the old one keeps working until it is removed."""

from __future__ import annotations

from django.db import transaction

from core.common.actors import Actor
from core.common.errors import Conflict, ValidationFailed
from provisioning.services.onboarding import normalise_domain, validate_domain
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District, Domain


def district_domain_add(
    *, district: District, domain: str, actor: Actor, primary: bool = False
) -> Domain:
    if district.kind != DistrictKind.DISTRICT or district.status == DistrictStatus.PURGED:
        raise ValidationFailed("只能为现有区县添加域名", field="slug")
    name = validate_domain(normalise_domain(domain))
    with transaction.atomic():
        existing = Domain.objects.select_for_update().filter(domain=name).first()
        if existing is not None and existing.tenant_id != district.pk:
            raise Conflict(f"域名“{name}”已被其他平台使用", field="domain", code="DOMAIN_TAKEN")
        added = existing or Domain.objects.create(domain=name, tenant=district, is_primary=False)
        if primary and not added.is_primary:
            Domain.objects.filter(tenant=district, is_primary=True).update(is_primary=False)
            Domain.objects.filter(pk=added.pk).update(is_primary=True)
            added.is_primary = True
        platform_audit_record(actor=actor, action="district.domain_add", district_schema=district.schema_name,
                              details={"domain": name, "primary": added.is_primary})  # fmt: skip
    return added
