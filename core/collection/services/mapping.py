"""The mapping step: before any row of a file is stored, where its table is (worksheet, header
row) and which column carries which field, decided by the alias table (core/records/headers.py),
by the department's saved mapping profile for the same headers, or by the clerk.

A file whose columns are all recognised (by the alias table, or by a profile saved for exactly
these headers) goes straight to the ingest, its mapping shown on the batch page. Any other file
waits as MAPPING: unknown or duplicate columns, a required field neither a column nor a
derivation supplies, a profile that no longer matches, a file whose kind cannot be told. The
clerk's confirmation (`batch_mapping_confirm`) saves the decisions as the department's profile
and queues the ingest.
"""

from __future__ import annotations

from typing import IO

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.catalog.permissions import DEPARTMENT_DATA
from core.collection.layouts import KIND_NAMES, header_signature, profile_info, propose
from core.collection.models import MappingProfile, UploadBatch, UploadBatchStatus
from core.collection.readers import read_head
from core.collection.services.queue import ingest_enqueue_on_commit
from core.common.actors import Actor
from core.common.errors import Conflict, ValidationFailed
from core.records.fields import FIELD_SETS
from core.records.headers import IGNORE, detect_kind
from core.records.layout import Layout, layout_problems

AUTO = "自动识别"


def batch_analyse(batch: UploadBatch, content: IO[bytes], *, hold: bool = False) -> UploadBatch:
    """Find the table and propose its mapping; queue the batch when nothing is left to decide
    (returns it still MAPPING otherwise). A file that cannot be read fails the batch with the
    reason (ValidationFailed from the readers)."""
    head = read_head(content, batch.filename)
    kind = detect_kind(head.headers)
    proposal = propose(batch.department, head, kind)
    batch.kind = kind or ""
    batch.mapping = {
        "sheet": head.sheet,
        "sheet_name": head.sheet_name,
        "sheets": head.sheets,
        "header_row": head.header_row,
        "headers": head.headers,
        # The first rows, for the mapping's preview (shown to the staff who may see the file).
        "samples": head.samples,
        "layout": proposal.layout.to_json() if proposal.layout else None,
        "profile": proposal.profile,
        "problems": proposal.problems,
    }
    exact_profile = proposal.profile is not None and proposal.profile["exact"]
    if proposal.layout is not None and not proposal.problems and not hold:
        batch.mapping |= {
            "confirmed_by": f"映射方案（{proposal.profile['saved_by']}保存）"
            if exact_profile and proposal.profile
            else AUTO,
            "confirmed_at": timezone.now().isoformat(),
        }
        if exact_profile and proposal.profile:
            MappingProfile.objects.filter(pk=proposal.profile["id"]).update(
                used_count=F("used_count") + 1
            )
        batch.status = UploadBatchStatus.QUEUED
    else:
        batch.status = UploadBatchStatus.MAPPING
    batch.save(update_fields=["kind", "mapping", "status"])
    return batch


def batch_layout(batch: UploadBatch) -> tuple[Layout, int, int]:
    """A confirmed batch's layout, worksheet and header row; a batch whose mapping is not
    confirmed cannot be ingested (ValidationFailed with what stops it)."""
    mapping = batch.mapping
    if not mapping.get("layout") or not mapping.get("confirmed_by"):
        problems = "；".join(mapping.get("problems") or []) or "请在批次页面确认列映射"
        raise ValidationFailed(f"列映射尚未确认：{problems}", code="MAPPING_PENDING")
    return Layout.from_json(mapping["layout"]), mapping["sheet"], mapping["header_row"]


def batch_mapping_confirm(
    *,
    actor: Actor,
    batch: UploadBatch,
    kind: str,
    decisions: dict[int, str],
    user: User | None = None,
) -> UploadBatch:
    """The clerk's decisions on the columns of a waiting batch (column index → field code, or ""
    to ignore it): checked, saved as the department's mapping profile for these headers, and the
    ingest queued. Raises ValidationFailed with every remaining problem, naming the columns."""
    if user is not None:
        require(user, DEPARTMENT_DATA, batch.department_id)
    if kind not in FIELD_SETS:
        raise ValidationFailed("请选择文件类别", field="kind")
    with transaction.atomic():
        batch = UploadBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != UploadBatchStatus.MAPPING:
            raise Conflict("该批次的列映射已确认，不能再修改", code="MAPPING_CONFIRMED")
        headers = batch.mapping["headers"]
        codes = {s.code for s in FIELD_SETS[kind]}
        for index, target in decisions.items():
            if not 0 <= index < len(headers):
                raise ValidationFailed(f"文件没有第{index + 1}列", field="decisions")
            if target != IGNORE and target not in codes and not target.startswith("check:"):
                raise ValidationFailed(
                    f"第{index + 1}列“{headers[index]}”：“{target}”不是{KIND_NAMES[kind]}的字段",
                    field="decisions",
                )
        base = (
            Layout.from_json(batch.mapping["layout"])
            if batch.mapping.get("layout") and batch.mapping["layout"]["prefix"] == kind
            else Layout.recognised(kind, headers)
        )
        layout = base.decided(decisions)
        problems = layout_problems(layout)
        if problems:
            raise ValidationFailed(
                "；".join(problems),
                code="MAPPING_INCOMPLETE",
                field="decisions",
                details={"problems": problems},
            )
        profile, _ = MappingProfile.objects.update_or_create(
            department=batch.department,
            signature=header_signature(headers),
            defaults={
                "kind": kind,
                "headers": headers,
                "decisions": {str(i): t for i, t in sorted(layout.columns.items())},
                "saved_by": actor.label,
                "saved_at": timezone.now(),
            },
        )
        batch.kind = kind
        batch.mapping |= {
            "layout": layout.to_json(),
            "problems": [],
            "profile": profile_info(profile, exact=True),
            "confirmed_by": actor.label,
            "confirmed_at": timezone.now().isoformat(),
        }
        batch.status = UploadBatchStatus.QUEUED
        batch.save(update_fields=["kind", "mapping", "status"])
        ignored = [headers[i] for i, t in sorted(layout.columns.items()) if t == IGNORE]
        audit_record(
            actor=actor,
            action="batch.mapping_confirm",
            details={"batch": batch.pk, "kind": kind, "profile": profile.pk, "ignored": ignored},
        )
        ingest_enqueue_on_commit(batch.pk)
    return batch


def profile_delete(*, actor: Actor, user: User | None, profile: MappingProfile) -> None:
    """Forget a saved mapping profile: the next file with those headers waits for the clerk."""
    if user is not None:
        require(user, DEPARTMENT_DATA, profile.department_id)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="mapping_profile.delete",
            details={"profile": profile.pk, "department": profile.department.code},
        )
        profile.delete()


def profile_update(
    *, actor: Actor, user: User | None, profile: MappingProfile, decisions: dict[int, str]
) -> MappingProfile:
    """Change a saved mapping profile's decisions (column index → field code, or "" to ignore):
    checked as a clerk's confirmation is, applied to the next file with these headers."""
    if user is not None:
        require(user, DEPARTMENT_DATA, profile.department_id)
    layout = Layout.recognised(profile.kind, profile.headers).decided(decisions)
    problems = layout_problems(layout)
    if problems:
        raise ValidationFailed(
            "；".join(problems),
            code="MAPPING_INCOMPLETE",
            field="decisions",
            details={"problems": problems},
        )
    with transaction.atomic():
        before = profile.decisions
        profile.decisions = {str(i): t for i, t in sorted(layout.columns.items())}
        profile.saved_by, profile.saved_at = actor.label, timezone.now()
        profile.save(update_fields=["decisions", "saved_by", "saved_at"])
        changed = {
            profile.headers[int(i)]: [before.get(i), t]
            for i, t in profile.decisions.items()
            if before.get(i) != t
        }
        audit_record(
            actor=actor,
            action="mapping_profile.update",
            details={"profile": profile.pk, "changed": changed},
        )
    return profile
