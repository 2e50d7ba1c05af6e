"""The write path of records: drafts staged in a temporary table and stored together.

One contract for every writer. A draft comes from Python (`core.records.validation.validate_row`,
COPYed by `RecordStage.add`) or from SQL (the upload's fast path, `core.records.fastpath`, which
fills STAGE_TABLE's DRAFT_COLUMNS with one INSERT … SELECT and reports the positions with
`RecordStage.added`). `RecordStage.store` then folds repeats, has the subjects resolved
(`core.subjects.services.subjects_staged_resolve`, which creates and drops its own table), inserts
new business keys, keeps revisions of corrections, audits every write in the same statement, and
announces the subjects it changed (`core.common.events`): scoring reacts, records does not call it.
Callers: `records_store` (manual entry, the push API, accepted submissions) and the upload chunks of
`core.collection.services.chunks`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from core.catalog.models import CatalogItem
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.events import subjects_changed
from core.common.pgcopy import copy_rows
from core.common.versioning import data_changed
from core.records.drafts import RecordDraft, is_sealed
from core.subjects.protection import encrypt
from core.subjects.services import (
    ALIAS_TABLE_COLUMNS,
    SubjectClaim,
    claim_row,
    subjects_staged_resolve,
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
# the record's columns, with their types. DRAFT_COLUMNS and STAGE_DDL follow from it: the fast path
# inserts into STAGE_TABLE with DRAFT_COLUMNS, so the stage is described in this one place.
STAGE_TABLE = "tmp_draft"
DRAFT_TYPES = (
    ("pos", "integer"), ("source_row", "integer"), ("key_kind", "text"), ("key", "text"),
    ("subject_kind", "text"), ("subject_name", "text"), ("id_masked", "text"),
    ("id_cipher", "text"), ("kind", "text"), ("catalog_item_id", "bigint"),
    ("department_id", "bigint"), ("doc_number", "text"), ("authority_name", "text"),
    ("authority_code", "text"), ("decision_date", "date"), ("title", "text"),
    ("severity", "text"), ("sector", "text"), ("sector_source", "text"), ("fine_wan", "numeric"),
    ("fields", "jsonb"), ("sealed", "jsonb"), ("content_hash", "text"), ("regime_code", "text"),
    ("published_by_rule", "boolean"), ("publicity_start", "date"), ("repair_from", "date"),
    ("publicity_end", "date"), ("supplied_on", "date"), ("supply_deadline", "date"),
    ("timely", "boolean"),
)  # fmt: skip
DRAFT_COLUMNS = tuple(name for name, _ in DRAFT_TYPES)
STAGE_DDL = (
    f"CREATE TEMP TABLE {STAGE_TABLE} ("
    + ", ".join(f"{name} {kind}" for name, kind in DRAFT_TYPES)
    + ") ON COMMIT DROP"
)
# What only the subject claim needs (the claim's day is the record's decision_date).
CLAIM_ONLY = ("key_kind", "key", "subject_kind", "subject_name", "id_masked", "id_cipher")
# The columns a record is inserted with (besides its provenance).
INSERTED = (
    "kind", "catalog_item_id", "subject_id", "department_id", "doc_number", "authority_name",
    "authority_code", "decision_date", "title", "severity", "sector", "sector_source", "fine_wan",
    "fields", "sealed", "content_hash", "regime_code", "published_by_rule", "publicity_start",
    "repair_from", "publicity_end", "supplied_on", "supply_deadline", "timely", "source_row",
)  # fmt: skip
# Columns a correction replaces (the business key and the creation provenance stay).
UPDATED = (
    "catalog_item_id", "subject_id", "authority_name", "decision_date", "title",
    "severity", "sector", "sector_source", "fine_wan", "fields", "sealed", "content_hash",
    "regime_code", "published_by_rule", "publicity_start", "repair_from", "publicity_end",
    "supplied_on", "supply_deadline", "timely", "source_row",
)  # fmt: skip
SAME_KEY = "r.kind = t.kind AND r.doc_number = t.doc_number AND r.authority_code = t.authority_code"


def records_store(
    *,
    drafts: Sequence[tuple[int | None, RecordDraft]],
    provenance: Provenance,
    announce: bool = True,
) -> list[StoreResult]:
    """Store validated drafts (with their source row numbers) in one transaction: new business keys
    are inserted, changed ones updated (the previous fields kept as a revision), identical ones
    reported as duplicates. Every insert and update is audited. Set-based (one COPY and a few
    statements), so a chunk of thousands costs about what one record does with the ORM.
    The subjects concerned are announced as changed (core.common.events) after commit, unless
    `announce` is False (a batch announces once, at its end)."""
    if not drafts:
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        stage = RecordStage(cursor, provenance)
        stage.add([(i, row, draft) for i, (row, draft) in enumerate(drafts)])
        results = stage.store(announce=announce)
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
        # The stage's statements run once per chunk over fresh temporary tables whose statistics
        # the planner does not have: a server with JIT on compiles them every time (measured on
        # the machine's PostgreSQL 15: ~1.2 s a 5,000-row chunk for the fast path's draft
        # statement, against ~0.13 s without).
        # work_mem: the chunk's sorts (its drafts by key, by position) fit in memory instead of
        # spilling about 6 MB each to disk (docs/adr/0019-ingest-records-cost.md).
        cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '32MB'; {STAGE_DDL}")

    def catalog_item(self, code: str) -> int:
        if self._items is None:
            self._items = dict(CatalogItem.objects.values_list("code", "id"))
        if code not in self._items:
            raise ValidationFailed(f"目录中没有信息项{code}", code="NO_CATALOG_ITEM")
        return self._items[code]

    def add(self, drafts: Sequence[tuple[int, int | None, RecordDraft]]) -> None:
        """Stage validated drafts: (position, source row, draft)."""
        copy_rows(self.cursor, STAGE_TABLE, DRAFT_COLUMNS, (self._draft_row(*d) for d in drafts))
        self.positions.extend(pos for pos, _, _ in drafts)

    def added(self, positions: Sequence[int]) -> None:
        """Positions the caller staged itself (INSERT … SELECT into STAGE_TABLE)."""
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
            d.sector, d.sector_source, d.fine_wan, d.fields_json, _sealed_json(d.sealed), d.content_hash, d.regime_code, d.published_by_rule,
            d.publicity_start, d.repair_from, d.publicity_end, d.supplied_on, d.supply_deadline,
            d.timely,
        )  # fmt: skip

    def store(self, *, announce: bool = False) -> dict[int, StoreResult]:
        """Store everything staged; returns each position's result. A key repeated among the
        staged drafts is stored once, from its first position; the others are its duplicates."""
        cursor = self.cursor
        if not self.positions:
            cursor.execute(f"DROP TABLE {STAGE_TABLE}")
            return {}
        cursor.execute(
            f"DELETE FROM {STAGE_TABLE} t USING (SELECT pos, first_value(pos) OVER w AS first, "  # noqa: S608
            f"first_value(source_row) OVER w AS first_row FROM {STAGE_TABLE} WINDOW w AS "
            "(PARTITION BY kind, doc_number, authority_code ORDER BY pos)) d "
            "WHERE t.pos = d.pos AND d.pos <> d.first RETURNING d.pos, d.first, d.first_row"
        )
        repeats = {int(pos): (int(first), row) for pos, first, row in cursor.fetchall()}
        if self._aliases:
            cursor.execute(
                f"CREATE TEMP TABLE tmp_draft_alias ({ALIAS_TABLE_COLUMNS}) ON COMMIT DROP"
            )
            copy_rows(cursor, "tmp_draft_alias", ("pos", "kind", "value"), self._aliases)
        with subjects_staged_resolve(
            cursor,
            claims=STAGE_TABLE,
            aliases="tmp_draft_alias" if self._aliases else None,
            id_numbers=self._id_numbers,
        ) as subject_keys:
            results, changed_any, subject_of = self._store_resolved(
                subject_keys, repeats, announce=announce
            )
        for pos, (first, row) in repeats.items():
            results[pos] = StoreResult(Outcome.DUPLICATE, results[first].record_id, row)
        cursor.execute(f"DROP TABLE {STAGE_TABLE}")
        if self._aliases:
            cursor.execute("DROP TABLE tmp_draft_alias")
        if changed_any:
            data_changed()
            if announce:
                subjects_changed(_touched(results, subject_of), reason="records.store")
        return results

    def _store_resolved(
        self, subject_keys: str, repeats: dict[int, tuple[int, int | None]], *, announce: bool
    ) -> tuple[dict[int, StoreResult], bool, dict[int, int]]:
        """Store the staged drafts once their subjects are resolved (`subject_keys`: key_kind,
        key, subject_id); returns the results, whether anything was written, and each position's
        subject (when the change is to be announced)."""
        cursor = self.cursor
        columns = [c for c in DRAFT_COLUMNS if c not in CLAIM_ONLY]
        cursor.execute(
            f"CREATE TEMP VIEW tmp_record AS SELECT {', '.join('d.' + c for c in columns)}, "  # noqa: S608
            f"k.subject_id FROM {STAGE_TABLE} d JOIN {subject_keys} k USING (key_kind, key)"
        )
        # Statistics for the planner (of the key only: cheap), so a chunk is joined by index
        # rather than by scanning every record.
        cursor.execute(f"ANALYZE {STAGE_TABLE} (kind, doc_number, authority_code)")
        subject_of: dict[int, int] = {}
        if announce:
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
                cursor.execute(
                    f"DELETE FROM {STAGE_TABLE} WHERE NOT pos = ANY(%s)",
                    [list(remaining)],  # noqa: S608
                )
        cursor.execute("DROP VIEW tmp_record")
        return results, changed_any, subject_of

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
        # Back to positions through the stage itself, not the view: the view's join with the
        # subjects' keys, estimated at one row, was repeated for every record written (a nested
        # loop over the keys: three quarters of the chunk's time in PostgreSQL).
        f"audit AS ({AUDIT_INSERT}) SELECT t.pos, w.id FROM written w "
        f"JOIN {STAGE_TABLE} t ON t.kind = w.kind AND t.doc_number = w.doc_number "
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


def records_mark_derived(
    cursor: CursorWrapper,
    prefix: str,
    derived: dict[int, dict[str, str]],
    notes: dict[str, str],
    *,
    cleared: Sequence[int] = (),
) -> None:
    """Mark on records which of their fields the platform derived or converted (record id → the
    unprefixed codes it put a value in; `notes` says how, per code), and clear the mark on
    `cleared` records (corrected from a file that supplied everything)."""
    rows: list[tuple[int, str | None]] = [
        (
            record_id,
            json.dumps(
                {f"{prefix}_{code}": notes.get(code, "平台推定") for code in sorted(codes)},
                ensure_ascii=False,
            ),
        )
        for record_id, codes in derived.items()
    ]
    rows += [(record_id, None) for record_id in cleared if record_id not in derived]
    if not rows:
        return
    values = ", ".join(["(%s, %s::jsonb)"] * len(rows))
    cursor.execute(
        "UPDATE records_record r SET derived_fields = v.d "  # noqa: S608 (placeholders only)
        f"FROM (VALUES {values}) v(id, d) WHERE r.id = v.id",
        [param for row in rows for param in row],
    )
