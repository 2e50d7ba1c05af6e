"""Writes for records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.accounts.permissions import require_role
from core.audit.services import audit_record
from core.catalog.models import CatalogItem
from core.collection.validation import RecordDraft
from core.common.actors import Actor
from core.common.copy import copy_rows
from core.common.errors import ValidationFailed
from core.common.tenancy import current_schema
from core.common.versioning import data_changed
from core.records.models import Record
from core.scoring.services import scores_refresh_later
from core.subjects.services import SubjectClaim, subjects_resolve


class Outcome(StrEnum):
    STORED = "stored"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    # A change to a record another department supplied: only that department may correct it.
    REFUSED = "refused"


@dataclass(frozen=True)
class Provenance:
    actor: Actor
    department_id: int
    batch_id: int | None = None
    file_sha256: str = ""


@dataclass(frozen=True)
class StoreResult:
    outcome: Outcome
    record_id: int
    # For a duplicate of a row stored earlier from the same batch: that row's number.
    duplicate_of_row: int | None = None
    # For an update that moved the record to another subject: the subject it left.
    previous_subject_id: int | None = None
    # For a refused change: the department that supplied the record.
    owner_department_id: int | None = None


RECORD_COLUMNS = (
    "pos", "kind", "catalog_item_id", "subject_id", "department_id", "doc_number", "authority_name",
    "authority_code", "decision_date", "title", "severity", "sector", "fine_wan", "fields",
    "content_hash", "regime_code", "published_by_rule", "publicity_start", "repair_from",
    "publicity_end", "supplied_on", "supply_deadline", "timely", "source_row",
)  # fmt: skip
TMP_RECORD = """CREATE TEMP TABLE tmp_record (
    pos integer, kind text, catalog_item_id bigint, subject_id bigint, department_id bigint,
    doc_number text, authority_name text, authority_code text, decision_date date, title text,
    severity text, sector text, fine_wan numeric, fields jsonb, content_hash text, regime_code text,
    published_by_rule boolean, publicity_start date, repair_from date, publicity_end date,
    supplied_on date, supply_deadline date, timely boolean, source_row integer) ON COMMIT DROP"""
# Columns a correction replaces (the business key and the creation provenance stay).
UPDATED = (
    "catalog_item_id", "subject_id", "authority_name", "decision_date", "title",
    "severity", "sector", "fine_wan", "fields", "content_hash", "regime_code", "published_by_rule",
    "publicity_start", "repair_from", "publicity_end", "supplied_on", "supply_deadline", "timely",
    "source_row",
)  # fmt: skip
SAME_KEY = "r.kind = t.kind AND r.doc_number = t.doc_number AND r.authority_code = t.authority_code"


def records_store(
    *,
    drafts: Sequence[tuple[int | None, RecordDraft]],
    provenance: Provenance,
    rescore: bool = True,
) -> list[StoreResult]:
    """Store validated drafts (with their source row numbers) in one transaction: new business keys
    are inserted, changed ones updated (the previous fields kept as a revision), identical ones
    reported as duplicates. Every insert and update is audited. Set-based (one COPY and a few
    statements), so a chunk of thousands costs about what one record does with the ORM.
    The subjects concerned are rescored after commit, unless `rescore` is False (a batch rescores
    once, at its end)."""
    if not drafts:
        return []
    first_of: dict[tuple[str, str, str], int] = {}
    for index, (_, draft) in enumerate(drafts):
        first_of.setdefault(draft.business_key, index)
    unique = sorted(set(first_of.values()))
    with transaction.atomic():
        items = dict(CatalogItem.objects.values_list("code", "id"))
        missing = {d.catalog_item_code for _, d in drafts} - set(items)
        if missing:
            raise ValidationFailed(
                f"目录中没有信息项{'、'.join(sorted(missing))}", code="NO_CATALOG_ITEM"
            )
        claims = [_claim(drafts[i][1]) for i in unique]
        subjects = subjects_resolve(claims)
        now = timezone.now()
        with connection.cursor() as cursor:
            if provenance.batch_id is not None:
                # A batch that is cut off restarts from its first row and comes out the same
                # (idempotent), so its chunks need not wait for the WAL to reach the disk.
                cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(TMP_RECORD)
            copy_rows(
                cursor,
                "tmp_record",
                RECORD_COLUMNS,
                (
                    _record_row(i, drafts[i], items, subjects[claim.key], provenance)
                    for i, claim in zip(unique, claims, strict=True)
                ),
            )
            # Statistics for the planner (of the key only: cheap), so a chunk is joined by index
            # rather than by scanning every record.
            cursor.execute("ANALYZE tmp_record (kind, doc_number, authority_code)")
            cursor.execute(
                "SELECT t.pos, r.id, r.content_hash = t.content_hash, "  # noqa: S608
                "CASE WHEN r.batch_id = %s AND r.source_row IS DISTINCT FROM t.source_row THEN r.source_row END, "
                "CASE WHEN r.subject_id <> t.subject_id THEN r.subject_id END, r.department_id, "
                # Written from this very row by an earlier, interrupted run of the batch: true when
                # that run corrected the record (its revision names the batch), false when it
                # stored it.
                "CASE WHEN r.batch_id = %s AND r.source_row = t.source_row THEN EXISTS (SELECT 1 "
                "FROM records_recordrevision v WHERE v.record_id = r.id AND v.batch_id = %s) END "
                f"FROM tmp_record t JOIN records_record r ON {SAME_KEY}",
                [provenance.batch_id, provenance.batch_id, provenance.batch_id],
            )
            known, left, owner, rerun = {}, {}, {}, {}
            for pos, pk, same, first, previous, department, corrected in cursor.fetchall():
                known[int(pos)] = (int(pk), bool(same), first)
                left[int(pos)] = previous
                if same and corrected is not None:
                    rerun[int(pos)] = Outcome.UPDATED if corrected else Outcome.STORED
                if not same and department != provenance.department_id:
                    owner[int(pos)] = int(department)
            # A key already stored from an earlier row of this same batch is a repeat within the
            # file: reported as a duplicate of that row, never applied as a correction.
            changed = {
                pos: pk
                for pos, (pk, same, first) in known.items()
                if not same and first is None and pos not in owner
            }
            if changed:
                _update(cursor, changed, provenance, now)
            new_ids = _insert(cursor, list(known), provenance, now)
            cursor.execute("DROP TABLE tmp_record")
        results: list[StoreResult] = []
        for index, (_, draft) in enumerate(drafts):
            first = first_of[draft.business_key]
            if first != index:
                record_id = results[first].record_id
                results.append(StoreResult(Outcome.DUPLICATE, record_id, drafts[first][0]))
            elif index in owner:
                record_id = known[index][0]
                results.append(
                    StoreResult(Outcome.REFUSED, record_id, owner_department_id=owner[index])
                )
            elif index in known:
                record_id, same, first_row = known[index]
                if first_row is not None:
                    results.append(StoreResult(Outcome.DUPLICATE, record_id, int(first_row)))
                elif index in rerun:
                    # A batch that starts over reports what it did, not what it finds.
                    results.append(StoreResult(rerun[index], record_id))
                else:
                    if same:
                        results.append(StoreResult(Outcome.DUPLICATE, record_id))
                    else:
                        results.append(
                            StoreResult(Outcome.UPDATED, record_id, previous_subject_id=left[index])
                        )
            elif draft.business_key in new_ids:
                results.append(StoreResult(Outcome.STORED, new_ids[draft.business_key]))
            else:
                # Another upload stored this key between our read and our insert: store the row
                # again, now as an update of (or a duplicate of) that record.
                results.append(records_store(drafts=[drafts[index]], provenance=provenance)[0])
        if new_ids or changed:
            data_changed()
            if rescore:
                scores_refresh_later(
                    _touched(results, subjects, claims, unique), reason="records.store"
                )
    return results


def _touched(
    results: list[StoreResult],
    subjects: dict[tuple[str, str], int],
    claims: list[SubjectClaim],
    unique: list[int],
) -> set[int]:
    """Subjects whose records this call stored or changed (and any a record moved away from)."""
    touched = set()
    for index, claim in zip(unique, claims, strict=True):
        result = results[index]
        if result.outcome in (Outcome.STORED, Outcome.UPDATED):
            touched.add(subjects[claim.key])
            if result.previous_subject_id is not None:
                touched.add(result.previous_subject_id)
    return touched


# The audit entry of every record written, by the statement that writes it (no row goes back and
# forth through Python).
AUDIT_INSERT = (
    "INSERT INTO audit_auditentry (occurred_at, actor_kind, actor_label, actor_user_id, action, "
    "subject_id, record_id, details) SELECT %s, %s, %s, %s, %s, w.subject_id, w.id, "
    "jsonb_build_object('batch', w.batch_id, 'row', w.source_row) FROM written w"
)


def _audit_params(provenance: Provenance, now: datetime, action: str) -> list[Any]:
    actor = provenance.actor
    return [now, actor.kind.value, actor.label, actor.user_id, action]


def _update(
    cursor: CursorWrapper,
    changed: dict[int, int],
    provenance: Provenance,
    now: datetime,
) -> None:
    """Corrections: keep each record's previous fields as a revision, then replace them."""
    assignments = ", ".join(f"{c} = t.{c}" for c in UPDATED)
    cursor.execute(
        "WITH m AS (SELECT unnest(%s::int[]) AS pos, unnest(%s::bigint[]) AS id), "  # noqa: S608
        "revision AS (INSERT INTO records_recordrevision (record_id, fields, content_hash, "
        "replaced_at, replaced_by, batch_id) SELECT r.id, r.fields, r.content_hash, %s, %s, %s "
        "FROM records_record r JOIN m ON m.id = r.id), "
        f"written AS (UPDATE records_record r SET {assignments}, batch_id = %s, file_sha256 = %s, "
        "updated_at = %s, expired_at = NULL FROM tmp_record t JOIN m ON m.pos = t.pos WHERE r.id = m.id "
        f"RETURNING r.id, r.subject_id, r.batch_id, r.source_row) {AUDIT_INSERT}",
        [
            list(changed),
            list(changed.values()),
            now,
            provenance.actor.label,
            provenance.batch_id,
            provenance.batch_id,
            provenance.file_sha256,
            now,
            *_audit_params(provenance, now, "record.update"),
        ],
    )


def _insert(
    cursor: CursorWrapper,
    known: list[int],
    provenance: Provenance,
    now: datetime,
) -> dict[tuple[str, str, str], int]:
    """New business keys (rows not among the `known` positions); returns their record ids. A key
    another upload inserted meanwhile is skipped (ON CONFLICT) and left to the caller."""
    inserted = [c for c in RECORD_COLUMNS if c != "pos"]
    cursor.execute(
        f"WITH written AS (INSERT INTO records_record ({', '.join(inserted)}, batch_id, "  # noqa: S608
        "file_sha256, created_by, created_at, updated_at, withdrawal_reason) "
        f"SELECT {', '.join('t.' + c for c in inserted)}, %s, %s, %s, %s, %s, '' "
        "FROM tmp_record t WHERE NOT t.pos = ANY(%s::int[]) "
        "ON CONFLICT (kind, doc_number, authority_code) DO NOTHING "
        "RETURNING id, kind, doc_number, authority_code, subject_id, batch_id, source_row), "
        f"audit AS ({AUDIT_INSERT}) SELECT id, kind, doc_number, authority_code FROM written",
        [
            provenance.batch_id,
            provenance.file_sha256,
            provenance.actor.label,
            now,
            now,
            known,
            *_audit_params(provenance, now, "record.store"),
        ],
    )
    return {(k, d, a): int(pk) for pk, k, d, a in cursor.fetchall()}


def _record_row(
    index: int,
    item: tuple[int | None, RecordDraft],
    items: dict[str, int],
    subject_id: int,
    provenance: Provenance,
) -> tuple[object, ...]:
    row, d = item
    return (
        index, d.kind, items[d.catalog_item_code], subject_id, provenance.department_id, d.doc_number,
        d.authority_name, d.authority_code, d.decision_date, d.title, d.severity, d.sector, d.fine_wan,
        d.fields_json, d.content_hash, d.regime_code, d.published_by_rule,
        d.publicity_start, d.repair_from, d.publicity_end, d.supplied_on, d.supply_deadline, d.timely, row,
    )  # fmt: skip


def _claim(draft: RecordDraft) -> SubjectClaim:
    return SubjectClaim(
        kind=draft.subject_kind,
        name=draft.subject_name,
        uscc=draft.uscc,
        id_number=draft.id_number,
        aliases=draft.aliases,
        seen_on=draft.decision_date,
    )


@transaction.atomic
def record_withdraw(*, record: Record, user: User, reason: str, revoked_on: date) -> Record:
    """Withdraw a published penalty that was changed or revoked (行政处罚法 Art. 48): publication
    ends at once, the reason is kept, and whether it happened within 3 days is on the record.
    Reviewers and district admins only."""
    require_role(user, StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN)
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
    scores_refresh_later([record.subject_id], reason="record.withdraw")
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
            scores_refresh_later({s for _, s in rows}, reason="record.expire")
            audit_record(
                actor=actor,
                action="record.expire",
                details={"count": len(ids), "on": today.isoformat()},
            )
    return len(ids)
