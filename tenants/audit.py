"""Writes to the platform audit log (public schema). Call inside the transaction of the change."""

from __future__ import annotations

from typing import Any

from django_tenants.utils import schema_context

from core.common.actors import Actor
from tenants.models import PlatformAuditEntry


def platform_audit_record(
    *, actor: Actor, action: str, district_schema: str = "", details: dict[str, Any] | None = None
) -> PlatformAuditEntry:
    """Append one entry to the platform audit log (public schema)."""
    with schema_context("public"):
        return PlatformAuditEntry.objects.create(
            actor_kind=actor.kind.value,
            actor_label=actor.label,
            actor_user_id=actor.user_id,
            action=action,
            district_schema=district_schema,
            details=details or {},
        )
