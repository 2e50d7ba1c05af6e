"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from core.audit.models import PlatformAuditEntry


def platform_audit_list(*, district_schema: str | None = None) -> QuerySet[PlatformAuditEntry]:
    """Platform audit entries, newest first, optionally for one district."""
    entries = PlatformAuditEntry.objects.all()
    if district_schema is not None:
        entries = entries.filter(district_schema=district_schema)
    return entries.order_by("-occurred_at", "-id")
