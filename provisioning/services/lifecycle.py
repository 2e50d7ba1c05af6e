"""The district lifecycle: active ⇄ suspended, archived (read-only), deletion pending (restorable
for a grace period) → purged (schema dropped, storage prefix deleted). Every step is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.tenancy import use_public_schema
from core.common.versioning import data_changed
from core.storage.api import delete_schema_prefix
from tenants.audit import platform_audit_record
from tenants.enums import DistrictStatus
from tenants.models import District

S = DistrictStatus

# What each action may start from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "suspend": frozenset({S.ACTIVE, S.ARCHIVED}),
    "resume": frozenset({S.SUSPENDED, S.ARCHIVED}),
    "archive": frozenset({S.ACTIVE, S.SUSPENDED}),
    "request_deletion": frozenset({S.ACTIVE, S.SUSPENDED, S.ARCHIVED}),
    "restore": frozenset({S.DELETION_PENDING}),
    "purge": frozenset({S.DELETION_PENDING}),
}

ACTION_NAMES = {
    "suspend": "暂停",
    "resume": "恢复运行",
    "archive": "归档",
    "request_deletion": "申请删除",
    "restore": "撤销删除",
    "purge": "清除",
}


def _locked(district: District, action: str) -> District:
    """Re-read the district under a row lock and check the action is allowed from its status."""
    if not district.is_district:
        raise ValidationFailed("只能对区县平台执行此操作", code="NOT_A_DISTRICT")
    fresh = District.objects.select_for_update().get(pk=district.pk)
    if fresh.status not in ALLOWED_FROM[action]:
        raise ValidationFailed(
            f"{fresh.name}当前状态为“{fresh.get_status_display()}”，不能{ACTION_NAMES[action]}",
            code="INVALID_TRANSITION",
            details={"status": fresh.status, "action": action},
        )
    return fresh


def _set_status(
    district: District,
    status: DistrictStatus,
    *,
    actor: Actor,
    action: str,
    reason: str = "",
    details: dict[str, object] | None = None,
) -> District:
    previous = district.status
    district.status = status
    district.status_reason = reason
    district.status_changed_at = timezone.now()
    district.save(
        update_fields=[
            "status",
            "status_reason",
            "status_changed_at",
            "status_before_deletion",
            "purge_after",
        ]
    )
    if status != S.PURGED:
        with schema_context(district.schema_name):
            data_changed()  # the district's cached answers show its status
    platform_audit_record(
        actor=actor,
        action=f"district.{action}",
        district_schema=district.schema_name,
        details={"from": previous, "to": status.value, "reason": reason, **(details or {})},
    )
    return district


@transaction.atomic
def district_suspend(*, district: District, actor: Actor, reason: str = "") -> District:
    """Suspend: the portal shows a maintenance page and the APIs refuse; data is kept."""
    fresh = _locked(district, "suspend")
    return _set_status(fresh, S.SUSPENDED, actor=actor, action="suspend", reason=reason)


@transaction.atomic
def district_resume(*, district: District, actor: Actor, reason: str = "") -> District:
    """Back to active from suspended or archived."""
    fresh = _locked(district, "resume")
    return _set_status(fresh, S.ACTIVE, actor=actor, action="resume", reason=reason)


@transaction.atomic
def district_archive(*, district: District, actor: Actor, reason: str = "") -> District:
    """Archive: everything stays readable, nothing can be changed."""
    fresh = _locked(district, "archive")
    return _set_status(fresh, S.ARCHIVED, actor=actor, action="archive", reason=reason)


@transaction.atomic
def district_request_deletion(
    *, district: District, actor: Actor, reason: str = "", grace_days: int | None = None
) -> District:
    """Take the district offline and schedule its purge after a grace period (restorable until then)."""
    days = settings.DISTRICT_DELETION_GRACE_DAYS if grace_days is None else grace_days
    if days < 0:
        raise ValidationFailed("宽限期天数不能为负数", field="grace_days")
    fresh = _locked(district, "request_deletion")
    fresh.status_before_deletion = fresh.status
    fresh.purge_after = timezone.now() + timedelta(days=days)
    return _set_status(
        fresh, S.DELETION_PENDING, actor=actor, action="request_deletion", reason=reason
    )


@transaction.atomic
def district_deletion_cancel(*, district: District, actor: Actor, reason: str = "") -> District:
    """Cancel a pending deletion; the district returns to the status it had before."""
    fresh = _locked(district, "restore")
    back = S(fresh.status_before_deletion or S.ACTIVE)
    fresh.status_before_deletion = ""
    fresh.purge_after = None
    return _set_status(fresh, back, actor=actor, action="restore", reason=reason)


def district_purge(*, district: District, actor: Actor, now: datetime | None = None) -> District:
    """Drop the schema and the storage prefix of a district whose grace period has passed."""
    now = now or timezone.now()
    with transaction.atomic():
        fresh = _locked(district, "purge")
        if fresh.purge_after is not None and fresh.purge_after > now:
            local = timezone.localtime(fresh.purge_after)
            raise ValidationFailed(
                f"{fresh.name}的宽限期到 {local:%Y-%m-%d %H:%M} 才结束，届时方可清除",
                code="GRACE_PERIOD",
            )
    # Files first: deleting them is idempotent, so a failure below leaves a purge that can be rerun.
    deleted_files = delete_schema_prefix(district.schema_name)
    with transaction.atomic():
        fresh = _locked(district, "purge")
        use_public_schema()
        if schema_exists(fresh.schema_name):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{fresh.schema_name}" CASCADE')
        domains = list(fresh.domains.values_list("domain", flat=True))
        fresh.domains.all().delete()
        fresh.purge_after = None
        fresh.status_before_deletion = ""
        _set_status(
            fresh,
            S.PURGED,
            actor=actor,
            action="purge",
            details={"domains_removed": domains, "files_deleted": deleted_files},
        )
    return fresh


def district_purge_due(*, actor: Actor, now: datetime | None = None) -> list[str]:
    """Purge every district whose grace period has passed. Returns the purged slugs."""
    now = now or timezone.now()
    due = District.objects.filter(status=S.DELETION_PENDING, purge_after__lte=now)
    purged = []
    for district in due:
        district_purge(district=district, actor=actor, now=now)
        purged.append(district.schema_name)
    return purged
