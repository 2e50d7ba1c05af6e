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
from tenants.routing import routing_changed


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


def district_domain_change(*, domain: Domain, name: str, primary: bool, actor: Actor) -> Domain:
    """Rename a district's domain or make it primary (the operator console's domain rows).
    Making one primary demotes the others; a primary domain stops being primary only when another
    becomes primary, so a district always has one."""
    district = domain.tenant
    new_name = validate_domain(normalise_domain(name))
    with transaction.atomic():
        row = Domain.objects.select_for_update().get(pk=domain.pk)
        changes: dict[str, object] = {}
        if new_name != row.domain:
            if Domain.objects.filter(domain=new_name).exclude(pk=row.pk).exists():
                raise Conflict(
                    f"域名“{new_name}”已被其他平台使用", field="domain", code="DOMAIN_TAKEN"
                )
            changes["previous_domain"] = row.domain
            row.domain = new_name
        if primary and not row.is_primary:
            Domain.objects.filter(tenant=district, is_primary=True).update(is_primary=False)
            row.is_primary = True
            changes["primary"] = True
        if not changes:
            return row
        Domain.objects.filter(pk=row.pk).update(domain=row.domain, is_primary=row.is_primary)
        routing_changed()  # update() sends no signal; the host names moved
        platform_audit_record(actor=actor, action="district.domain_change", district_schema=district.schema_name,
                              details={"domain": row.domain, **changes})  # fmt: skip
    return row


def district_domain_remove(*, domain: Domain, actor: Actor) -> None:
    """Remove a district's domain; its primary domain only after another became primary."""
    district = domain.tenant
    with transaction.atomic():
        row = Domain.objects.select_for_update().get(pk=domain.pk)
        if row.is_primary:
            raise ValidationFailed("不能删除主域名：请先将另一个域名设为主域名", field="domain")
        row.delete()
        platform_audit_record(actor=actor, action="district.domain_remove", district_schema=district.schema_name,
                              details={"domain": row.domain})  # fmt: skip
