"""Writes for records."""

from __future__ import annotations

import json
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
from core.collection.validation import RecordDraft, content_hash, is_sealed
from core.common.actors import Actor
from core.common.copy import copy_rows
from core.common.errors import ValidationFailed
from core.common.tenancy import current_schema
from core.common.versioning import data_changed
from core.records.models import Record, RecordRevision
from core.scoring.services import scores_refresh_later
from core.subjects.protection import decrypt, encrypt, encrypted_with_current_key, reencrypt
from core.subjects.services import (
    ALIAS_TABLE_COLUMNS,
    SubjectClaim,
    claim_row,
    subjects_resolve_staged,
)


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


# A staged draft: its position in the call, its source row, its subject claim (CLAIM_ONLY) and
# the record's columns. Drafts come from Python (validated rows, COPYed) or straight from SQL (the
# upload's fast path, core.collection.fastpath); `RecordStage.store` writes both the same way.
DRAFT_COLUMNS = (
    "pos", "source_row", "key_kind", "key", "subject_kind", "subject_name", "id_masked",
    "id_cipher", "kind", "catalog_item_id", "department_id", "doc_number", "authority_name",
    "authority_code", "decision_date", "title", "severity", "sector", "fine_wan", "fields",
    "sealed", "content_hash", "regime_code", "published_by_rule", "publicity_start", "repair_from",
    "publicity_end", "supplied_on", "supply_deadline", "timely",
)  # fmt: skip
TMP_DRAFT = """CREATE TEMP TABLE tmp_draft (
    pos integer, source_row integer, key_kind text, key text, subject_kind text,
    subject_name text, id_masked text, id_cipher text, kind text, catalog_item_id bigint,
    department_id bigint, doc_number text, authority_name text, authority_code text,
    decision_date date, title text, severity text, sector text, fine_wan numeric, fields jsonb,
    sealed jsonb, content_hash text, regime_code text, published_by_rule boolean, publicity_start date,
    repair_from date, publicity_end date, supplied_on date, supply_deadline date, timely boolean)
    ON COMMIT DROP"""
# What only the subject claim needs (the claim's day is the record's decision_date).
CLAIM_ONLY = ("key_kind", "key", "subject_kind", "subject_name", "id_masked", "id_cipher")
# The columns a record is inserted with (besides its provenance).
INSERTED = (
    "kind", "catalog_item_id", "subject_id", "department_id", "doc_number", "authority_name",
    "authority_code", "decision_date", "title", "severity", "sector", "fine_wan", "fields",
    "sealed", "content_hash", "regime_code", "published_by_rule", "publicity_start", "repair_from",
    "publicity_end", "supplied_on", "supply_deadline", "timely", "source_row",
)  # fmt: skip
# Columns a correction replaces (the business key and the creation provenance stay).
UPDATED = (
    "catalog_item_id", "subject_id", "authority_name", "decision_date", "title",
    "severity", "sector", "fine_wan", "fields", "sealed", "content_hash", "regime_code",
    "published_by_rule", "publicity_start", "repair_from", "publicity_end", "supplied_on",
    "supply_deadline", "timely", "source_row",
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
    with transaction.atomic(), connection.cursor() as cursor:
        stage = RecordStage(cursor, provenance)
        stage.add([(i, row, draft) for i, (row, draft) in enumerate(drafts)])
        results = stage.store(rescore=rescore)
    return [results[i] for i in range(len(drafts))]


class RecordStage:
    """Drafts staged in a temporary table, then stored together (inside the caller's
    transaction): one chunk of an upload, or one call of `records_store`."""

    def __init__(self, cursor: CursorWrapper, provenance: Provenance) -> None:
        self.cursor = cursor
        self.provenance = provenance
        self.positions: list[int] = []
        self._aliases: list[tuple[int, str, str]] = []
        self._id_numbers: list[str] = []
        self._items: dict[str, int] | None = None
        if provenance.batch_id is not None:
            # A batch that is cut off restarts from its first row and comes out the same
            # (idempotent), so its chunks need not wait for the WAL to reach the disk.
            cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(TMP_DRAFT)

    def catalog_item(self, code: str) -> int:
        if self._items is None:
            self._items = dict(CatalogItem.objects.values_list("code", "id"))
        if code not in self._items:
            raise ValidationFailed(f"目录中没有信息项{code}", code="NO_CATALOG_ITEM")
        return self._items[code]

    def add(self, drafts: Sequence[tuple[int, int | None, RecordDraft]]) -> None:
        """Stage validated drafts: (position, source row, draft)."""
        copy_rows(self.cursor, "tmp_draft", DRAFT_COLUMNS, (self._draft_row(*d) for d in drafts))
        self.positions.extend(pos for pos, _, _ in drafts)

    def added(self, positions: Sequence[int]) -> None:
        """Positions the caller staged itself (INSERT … SELECT into tmp_draft)."""
        self.positions.extend(positions)

    def _draft_row(self, pos: int, row: int | None, d: RecordDraft) -> tuple[object, ...]:
        unsealed = [k for k in d.fields.keys() - d.sealed.keys() if is_sealed(k)]
        if unsealed:  # drafts come from validate_row, which seals; anything else is a bug
            raise ValueError(f"identity numbers not sealed: {unsealed}")
        claim = _claim(d)
        self._aliases.extend((pos, kind, value) for kind, value in d.aliases.items())
        if claim.key[0] == "id" and d.id_number:
            self._id_numbers.append(d.id_number)
        # The claim as staged, less its day: the record's decision_date is that.
        _, key_kind, key, kind, name, _, masked, cipher = claim_row(pos, claim)
        return (
            pos, row, key_kind, key, kind, name, masked, cipher, d.kind, self.catalog_item(d.catalog_item_code), self.provenance.department_id,
            d.doc_number, d.authority_name, d.authority_code, d.decision_date, d.title, d.severity,
            d.sector, d.fine_wan, d.fields_json, _sealed_json(d.sealed), d.content_hash, d.regime_code, d.published_by_rule,
            d.publicity_start, d.repair_from, d.publicity_end, d.supplied_on, d.supply_deadline,
            d.timely,
        )  # fmt: skip

    def store(self, *, rescore: bool = False) -> dict[int, StoreResult]:
        """Store everything staged; returns each position's result. A key repeated among the
        staged drafts is stored once, from its first position; the others are its duplicates."""
        cursor = self.cursor
        if not self.positions:
            cursor.execute("DROP TABLE tmp_draft")
            return {}
        cursor.execute(
            "DELETE FROM tmp_draft t USING (SELECT pos, first_value(pos) OVER w AS first, "
            "first_value(source_row) OVER w AS first_row FROM tmp_draft WINDOW w AS "
            "(PARTITION BY kind, doc_number, authority_code ORDER BY pos)) d "
            "WHERE t.pos = d.pos AND d.pos <> d.first RETURNING d.pos, d.first, d.first_row"
        )
        repeats = {int(pos): (int(first), row) for pos, first, row in cursor.fetchall()}
        if self._aliases:
            cursor.execute(
                f"CREATE TEMP TABLE tmp_draft_alias ({ALIAS_TABLE_COLUMNS}) ON COMMIT DROP"
            )
            copy_rows(cursor, "tmp_draft_alias", ("pos", "kind", "value"), self._aliases)
        subjects_resolve_staged(
            cursor,
            claims="tmp_draft",
            aliases="tmp_draft_alias" if self._aliases else None,
            id_numbers=self._id_numbers,
        )
        columns = [c for c in DRAFT_COLUMNS if c not in CLAIM_ONLY]
        cursor.execute(
            f"CREATE TEMP VIEW tmp_record AS SELECT {', '.join('d.' + c for c in columns)}, "  # noqa: S608
            "k.subject_id FROM tmp_draft d JOIN tmp_subject_key k USING (key_kind, key)"
        )
        # Statistics for the planner (of the key only: cheap), so a chunk is joined by index
        # rather than by scanning every record.
        cursor.execute("ANALYZE tmp_draft (kind, doc_number, authority_code)")
        subject_of: dict[int, int] = {}
        if rescore:
            cursor.execute("SELECT pos, subject_id FROM tmp_record")
            subject_of = {int(pos): int(subject) for pos, subject in cursor.fetchall()}
        now = timezone.now()
        results: dict[int, StoreResult] = {}
        changed_any = False
        remaining = set(self.positions) - set(repeats)
        passes = 0
        while remaining:
            passes += 1
            if passes > 3:  # a draft whose subject vanished meanwhile: never loop on it
                raise RuntimeError(f"records_store could not settle {len(remaining)} positions")
            found, changed = self._store_pass(now)
            results.update(found)
            changed_any = changed_any or changed
            # Another upload stored some keys between our read and our insert: those go round
            # again, now as updates of (or duplicates of) that record.
            remaining -= found.keys()
            if remaining:
                cursor.execute("DELETE FROM tmp_draft WHERE NOT pos = ANY(%s)", [list(remaining)])
        for pos, (first, row) in repeats.items():
            results[pos] = StoreResult(Outcome.DUPLICATE, results[first].record_id, row)
        cursor.execute("DROP VIEW tmp_record")
        cursor.execute("DROP TABLE tmp_draft, tmp_subject_key")
        if self._aliases:
            cursor.execute("DROP TABLE tmp_draft_alias")
        if changed_any:
            data_changed()
            if rescore:
                scores_refresh_later(_touched(results, subject_of), reason="records.store")
        return results

    def _store_pass(self, now: datetime) -> tuple[dict[int, StoreResult], bool]:
        """One pass over tmp_record: corrections of known keys, inserts of new ones. Returns the
        results of the positions it settled, and whether anything was written."""
        cursor, provenance = self.cursor, self.provenance
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
        results: dict[int, StoreResult] = {}
        changed: dict[int, int] = {}
        for pos, pk, same, first, previous, department, corrected in cursor.fetchall():
            pos, pk = int(pos), int(pk)
            if not same and department != provenance.department_id:
                results[pos] = StoreResult(Outcome.REFUSED, pk, owner_department_id=int(department))
            elif first is not None:
                # A key already stored from an earlier row of this same batch is a repeat
                # within the file: reported as a duplicate of that row, never applied as a
                # correction.
                results[pos] = StoreResult(Outcome.DUPLICATE, pk, int(first))
            elif same and corrected is not None:
                # A batch that starts over reports what it did, not what it finds.
                outcome = Outcome.UPDATED if corrected else Outcome.STORED
                results[pos] = StoreResult(outcome, pk)
            elif same:
                results[pos] = StoreResult(Outcome.DUPLICATE, pk)
            else:
                changed[pos] = pk
                results[pos] = StoreResult(Outcome.UPDATED, pk, previous_subject_id=previous)
        if changed:
            _update(cursor, changed, provenance, now)
        new_ids = _insert(cursor, list(results), provenance, now)
        results.update({pos: StoreResult(Outcome.STORED, pk) for pos, pk in new_ids.items()})
        return results, bool(changed or new_ids)


def _sealed_json(sealed: dict[str, str]) -> str:
    """A draft's sealed fields as stored: each value encrypted."""
    return json.dumps({code: encrypt(value) for code, value in sealed.items()})


def _touched(results: dict[int, StoreResult], subject_of: dict[int, int]) -> set[int]:
    """Subjects whose records this call stored or changed (and any a record moved away from)."""
    touched = set()
    for pos, result in results.items():
        if result.outcome in (Outcome.STORED, Outcome.UPDATED) and pos in subject_of:
            touched.add(subject_of[pos])
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
        "revision AS (INSERT INTO records_recordrevision (record_id, fields, sealed, content_hash, "
        "replaced_at, replaced_by, batch_id) SELECT r.id, r.fields, r.sealed, r.content_hash, "
        "%s, %s, %s "
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
) -> dict[int, int]:
    """New business keys (rows not among the `known` positions); returns their record ids by
    position. A key another upload inserted meanwhile is skipped (ON CONFLICT) and left to the
    caller."""
    cursor.execute(
        f"WITH written AS (INSERT INTO records_record ({', '.join(INSERTED)}, batch_id, "  # noqa: S608
        "file_sha256, created_by, created_at, updated_at, withdrawal_reason) "
        f"SELECT {', '.join('t.' + c for c in INSERTED)}, %s, %s, %s, %s, %s, '' "
        # In position order: record ids follow the file's rows.
        "FROM tmp_record t WHERE NOT t.pos = ANY(%s::int[]) ORDER BY t.pos "
        "ON CONFLICT (kind, doc_number, authority_code) DO NOTHING "
        "RETURNING id, kind, doc_number, authority_code, subject_id, batch_id, source_row), "
        f"audit AS ({AUDIT_INSERT}) SELECT t.pos, w.id FROM written w "
        "JOIN tmp_record t ON t.kind = w.kind AND t.doc_number = w.doc_number "
        "AND t.authority_code = w.authority_code",
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
    return {int(pos): int(pk) for pos, pk in cursor.fetchall()}


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
