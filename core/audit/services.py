"""Writes to the district audit log. Call inside the transaction of the change being audited."""

from __future__ import annotations

from typing import Any

from core.audit.models import AuditEntry
from core.common.actors import Actor


def audit_record(
    *,
    actor: Actor,
    action: str,
    subject_id: int | None = None,
    record_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the current district's audit log."""
    return AuditEntry.objects.create(
        actor_kind=actor.kind.value,
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        subject_id=subject_id,
        record_id=record_id,
        details=details or {},
    )
