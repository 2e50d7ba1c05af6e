"""Writes for records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.events import subjects_changed
from core.common.tenancy import current_schema
from core.common.versioning import data_changed
from core.records.drafts import content_hash
from core.records.models import Record, RecordRevision
from core.records.permissions import RECORD_WITHDRAW
from core.subjects.protection import decrypt, encrypted_with_current_key, reencrypt


@transaction.atomic
def record_withdraw(*, record: Record, user: User, reason: str, revoked_on: date) -> Record:
    """Withdraw a published penalty that was changed or revoked (行政处罚法 Art. 48): publication
    ends at once, the reason is kept, and whether it happened within 3 days is on the record.
    Reviewers and district admins only."""
    require(user, RECORD_WITHDRAW)
    actor = Actor.for_user(user, schema=current_schema())
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("撤回必须说明原因", field="reason")
    record = Record.objects.select_for_update().get(pk=record.pk)  # one withdrawal at a time
    if record.withdrawn_at is not None:
        raise ValidationFailed("该记录已撤回", code="ALREADY_WITHDRAWN")
    now = timezone.now()
    if revoked_on > timezone.localdate(now):
        raise ValidationFailed("撤销或变更决定日期不能晚于今天", field="revoked_on")
    record.withdrawn_at, record.withdrawal_reason, record.revoked_on = now, reason, revoked_on
    record.save(update_fields=["withdrawn_at", "withdrawal_reason", "revoked_on"])
    data_changed()
    subjects_changed([record.subject_id], reason="record.withdraw")
    late_days = (timezone.localdate(now) - revoked_on).days
    audit_record(
        actor=actor,
        action="record.withdraw",
        record_id=record.pk,
        subject_id=record.subject_id,
        details={
            "reason": reason,
            "revoked_on": revoked_on.isoformat(),
            "within_3_days": late_days <= 3,
        },
    )
    return record


def records_expire_due(*, today: date, actor: Actor) -> int:
    """Mark records whose publicity ended before `today` (their state is already 'expired' by date;
    the mark lets later work, such as rescoring, find what changed). Returns how many."""
    due = Record.objects.filter(publicity_end__lt=today, expired_at__isnull=True)
    with transaction.atomic():
        rows = list(due.select_for_update(skip_locked=True).values_list("id", "subject_id"))
        ids = [pk for pk, _ in rows]
        Record.objects.filter(id__in=ids).update(expired_at=timezone.now())
        if ids:
            data_changed()
            subjects_changed({s for _, s in rows}, reason="record.expire")
            audit_record(
                actor=actor,
                action="record.expire",
                details={"count": len(ids), "on": today.isoformat()},
            )
    return len(ids)


@dataclass(frozen=True)
class ResealResult:
    records: int  # records with sealed fields
    changed: int  # re-encrypted or re-hashed now (0 on a second run)


def records_reseal(*, chunk: int = 1000) -> ResealResult:
    """After a key rotation, in the current district: every record's sealed fields re-encrypted
    with the current data key (revisions' too), and its content hash recomputed with the current
    lookup key, so the same file uploaded again stays a duplicate. Idempotent; one transaction per
    chunk, ids in order."""
    total = changed = 0
    for model in (Record, RecordRevision):
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last)
                    .exclude(sealed={})
                    .order_by("pk")
                    .only("pk", "fields", "sealed", "content_hash")[:chunk]
                )
                if not rows:
                    break
                touched = []
                for row in rows:
                    fresh = _resealed(row.fields, row.sealed)
                    if model is RecordRevision:
                        fresh = (row.content_hash, fresh[1])  # a revision keeps the hash it had
                    if fresh != (row.content_hash, row.sealed):
                        row.content_hash, row.sealed = fresh
                        touched.append(row)
                model.objects.bulk_update(touched, ["content_hash", "sealed"])
                last = rows[-1].pk
                if model is Record:
                    total, changed = total + len(rows), changed + len(touched)
    return ResealResult(records=total, changed=changed)


def _resealed(fields: dict[str, str], sealed: dict[str, str]) -> tuple[str, dict[str, str]]:
    clear = {code: decrypt(token) for code, token in sealed.items()}
    fields_json = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    tokens = {
        code: token if encrypted_with_current_key(token) else reencrypt(token)
        for code, token in sealed.items()
    }
    return content_hash(fields_json, clear), tokens
