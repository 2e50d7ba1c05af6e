"""The rows of an upload, a chunk at a time: each row refused for its ACTION column, taken by the
fast path (core/records/fastpath.py) or validated in Python, then the chunk staged and stored in
one transaction with its rejected rows and the progress shown. Every row ends stored, updated,
duplicate or rejected with every reason, written to the results file (and a rejected row also to
the rejected rows' file, as uploaded plus its reasons); nothing is lost, and the same file twice
changes nothing."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, transaction

from core.collection.layouts import origin_of
from core.collection.models import RejectedRow, UploadBatch
from core.collection.readers import count_rows, read_table
from core.collection.services.context import refused_problem, validation_context
from core.collection.services.mapping import batch_layout
from core.common.actors import Actor
from core.common.spreadsheets import neutralise
from core.common.tenancy import current_schema
from core.ops.metrics import ingest_rows_count
from core.records.drafts import RecordDraft
from core.records.fastpath import FastPath, Prepared
from core.records.fields import ACTION_HEADER, ACTIONS
from core.records.layout import Shaped, Shaper
from core.records.staging import Outcome, Provenance, RecordStage, records_mark_derived
from core.records.validation import Problem, validate_row

CHUNK_ROWS = 5000
REJECTED_REASON_HEADER = "错误原因"
OUTCOME_NAMES = {"stored": "新增", "updated": "更新", "duplicate": "重复", "rejected": "退回"}


@dataclass
class _Outcome:
    row: int
    outcome: str
    record_id: int | None = None
    reasons: str = ""
    derived: str = ""  # what the platform put in the row's fields


class CsvSpool:
    """A CSV written as rows are decided: in memory while small, on disk past 8 MB (so memory does
    not grow with the file). UTF-8 with BOM, so Excel opens it; formula-like text neutralised."""

    def __init__(self, header: list[str]) -> None:
        self._spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b")  # noqa: SIM115
        self._text = io.TextIOWrapper(self._spool, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text)
        self._writer.writerow(header)

    def write(self, row: list[object]) -> None:
        self._writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])

    def file(self) -> File:  # type: ignore[type-arg]
        self._text.flush()
        self._spool.seek(0)
        return File(self._spool)


def rows_ingest(batch: UploadBatch, results: CsvSpool) -> tuple[CsvSpool, set[int]]:
    """Read, decide and store every row of the batch's file by its confirmed mapping, writing each
    outcome to `results`; returns the rejected rows' file and the subjects a correction moved
    records away from. A file that cannot be read, or whose mapping is not confirmed, raises
    ApplicationError (`batch_ingest` fails the batch with it)."""
    layout, sheet, header_row = batch_layout(batch)
    prefix = layout.prefix
    with default_storage.open(batch.file_name_in_storage, "rb") as handle:
        batch.rows_total = count_rows(handle, batch.filename, sheet=sheet, header_row=header_row)
        batch.save(update_fields=["rows_total"])
    shaper = Shaper(layout, origin_of(batch.department))
    with default_storage.open(batch.file_name_in_storage, "rb") as handle:
        rows = read_table(handle, batch.filename, sheet=sheet, header_row=header_row)
        ctx = validation_context(department=batch.department, prefix=prefix)
        provenance = Provenance(
            actor=Actor.system(f"upload:{batch.uploaded_by}"),
            department_id=batch.department_id,
            batch_id=batch.pk,
            file_sha256=batch.file_sha256,
        )
        rejected_file = CsvSpool([*layout.headers, REJECTED_REASON_HEADER])
        chunk = _Chunk(
            shaper=shaper,
            validate=lambda values: validate_row(prefix, values, ctx),
            fast=FastPath.for_batch(
                prefix=prefix,
                mapping=shaper.header_map(),
                ctx=ctx,
                department_id=batch.department_id,
            ),
        )
        # One thread: a reader thread that prepared the next chunk while this one was stored lost
        # more to the GIL than it overlapped (each statement's return waited for the reader to
        # yield; docs/benchmarks.md).
        with closing(rows):
            while chunk.read(rows, batch, rejected_file):
                _flush(batch, chunk, provenance, results, rejected_file)
        return rejected_file, chunk.moved


def _reject(
    batch: UploadBatch, chunk: _Chunk, number: int, problems: list[Problem], out: CsvSpool
) -> None:
    cells = chunk.cells[number]
    chunk.rejected.append(_rejected(batch, number, problems, cells))
    chunk.outcomes.append(_Outcome(number, "rejected", reasons="；".join(str(p) for p in problems)))
    out.write([*cells, "；".join(f"{p.label}（{p.field}）：{p.message}" for p in problems)])


def _action_problem(cells: list[str], at: int | None) -> Problem | None:
    """A row an export marks as a withdrawal or repair is not a record to store (uploads only add);
    it is rejected with the reason, like any other row that is not stored."""
    if at is None or at >= len(cells):
        return None
    value = cells[at].strip()
    if value.lower() in ("", "add"):
        return None
    if value.lower() in ACTIONS:
        message = (
            f"该行是{ACTIONS[value.lower()]}（{value}）而非新增：上传只导入新增记录，"
            "撤回和信用修复请在记录页面办理"
        )
    else:
        message = "数据状态应为add（新增）、withdraw（撤回）或repair（信用修复）"
    return Problem(ACTION_HEADER, "数据状态", value, message)


@dataclass
class _Chunk:
    """Rows read since the last flush: decided and written out (in row order) when the chunk is
    stored."""

    shaper: Shaper
    validate: Callable[[dict[str, str]], RecordDraft | list[Problem]]
    fast: FastPath | None
    outcomes: list[_Outcome] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    pending: list[tuple[int, RecordDraft]] = field(default_factory=list)
    prepared: Prepared | None = None  # for the fast path
    cells: dict[int, list[str]] = field(default_factory=dict)  # every row of the chunk, as read
    shaped: dict[int, Shaped] = field(default_factory=dict)  # and as the field set's values
    # Subjects a corrected record moved away from (rescored with the batch's own subjects).
    moved: set[int] = field(default_factory=set)

    def read(
        self,
        numbered: Iterator[tuple[int, list[str]]],
        batch: UploadBatch,
        rejected_file: CsvSpool,
    ) -> bool:
        """The file's next rows (False at its end): rows refused for their ACTION column, or for
        what their shaping found (a region code of another district, an authority the directory
        does not know), are rejected; the others are prepared for the fast path's COPY, or else
        validated now."""
        for number, row in numbered:
            if not any(c.strip() for c in row):
                continue  # blank lines are not rows
            self.cells[number] = row
            if len(self.cells) >= CHUNK_ROWS:
                break
        if not self.cells:
            return False
        ordinary = []
        action_at = self.shaper.action_at
        for number, row in self.cells.items():
            shaped = self.shaped[number] = self.shaper.shape(row)
            if action := _action_problem(row, action_at):
                _reject(batch, self, number, [action], rejected_file)
            elif shaped.problems:
                self.decide(number, batch, rejected_file)
            else:
                ordinary.append(number)
        if self.fast is not None:
            self.prepared = self.fast.prepare([(n, self.shaped[n].values) for n in ordinary])
        else:
            for number in ordinary:
                self.decide(number, batch, rejected_file)
        return True

    def decide(self, number: int, batch: UploadBatch, rejected_file: CsvSpool) -> None:
        """Validate a row in Python: a draft to store, or rejected with every reason."""
        shaped = self.shaped[number]
        result = self.validate(shaped.as_dict(self.shaper.specs))
        if isinstance(result, list) or shaped.problems:
            problems = self.shaper.explain_underivable(
                result if isinstance(result, list) else [], shaped
            )
            _reject(batch, self, number, problems, rejected_file)
        else:
            self.pending.append((number, result))

    def derived_text(self, number: int) -> str:
        """What the platform put in a row's fields, for its line in the results file."""
        shaped = self.shaped.get(number)
        if shaped is None or not shaped.derived:
            return ""
        return "；".join(
            f"{s.label}：{shaped.derived[s.code]}"
            for s in self.shaper.specs
            if s.code in shaped.derived
        )


def _rejected(
    batch: UploadBatch, number: int, problems: list[Problem], cells: list[str]
) -> RejectedRow:
    return RejectedRow(
        batch=batch,
        row_number=number,
        problems=[
            {"field": p.field, "label": p.label, "value": p.value, "message": p.message}
            for p in problems
        ],
        values=cells,
    )


def _flush(
    batch: UploadBatch,
    chunk: _Chunk,
    provenance: Provenance,
    results: CsvSpool,
    rejected_file: CsvSpool,
) -> None:
    before = {outcome: getattr(batch, outcome) for outcome in OUTCOME_NAMES}
    derived: dict[int, dict[str, str]] = {}  # record id → the fields the platform put
    cleared: list[int] = []  # corrected records whose row supplied every field
    # One transaction per chunk: its records, its rejected rows and the progress shown.
    with transaction.atomic(), connection.cursor() as cursor:
        stage = RecordStage(cursor, provenance)
        if chunk.fast is not None and chunk.prepared is not None:
            accepted = chunk.fast.stage(cursor, stage, chunk.prepared)
            for number in chunk.prepared.numbers:
                if number not in accepted:
                    chunk.decide(number, batch, rejected_file)
        stage.add([(number, number, draft) for number, draft in chunk.pending])
        drafts = dict(chunk.pending)
        for number, result in sorted(stage.store().items()):
            if result.outcome == Outcome.REFUSED:
                doc_number = drafts[number].doc_number if number in drafts else _wsh(chunk, number)
                problem = refused_problem(batch.kind, doc_number, result)
                _reject(batch, chunk, number, [problem], rejected_file)
                continue
            if result.previous_subject_id is not None:
                chunk.moved.add(result.previous_subject_id)
            reason = f"与第{result.duplicate_of_row}行重复" if result.duplicate_of_row else ""
            chunk.outcomes.append(
                _Outcome(
                    number,
                    result.outcome.value,
                    result.record_id,
                    reason,
                    chunk.derived_text(number),
                )
            )
            if result.outcome != Outcome.DUPLICATE and chunk.shaped[number].derived:
                derived[result.record_id] = chunk.shaped[number].derived
            elif result.outcome == Outcome.UPDATED:
                cleared.append(result.record_id)
            setattr(batch, result.outcome.value, getattr(batch, result.outcome.value) + 1)
        records_mark_derived(
            cursor, batch.kind, derived, chunk.shaper.layout.derived(), cleared=cleared
        )
        RejectedRow.objects.bulk_create(chunk.rejected)
        batch.rejected += len(chunk.rejected)
        batch.rows_done = batch.stored + batch.updated + batch.duplicate + batch.rejected
        batch.rows_total = max(batch.rows_total, batch.rows_done)
        batch.save(
            update_fields=["stored", "updated", "duplicate", "rejected", "rows_done", "rows_total"]
        )
    ingest_rows_count(
        district=current_schema(),
        outcomes={outcome: getattr(batch, outcome) - rows for outcome, rows in before.items()},
    )
    for o in sorted(chunk.outcomes, key=lambda o: o.row):
        results.write([o.row, OUTCOME_NAMES[o.outcome], o.record_id or "", o.reasons, o.derived])
    chunk.outcomes.clear()
    chunk.rejected.clear()
    chunk.pending.clear()
    chunk.prepared = None
    chunk.cells = {}
    chunk.shaped = {}


def _wsh(chunk: _Chunk, number: int) -> str:
    """The document number of a row the fast path staged (for a refusal's message)."""
    assert chunk.fast is not None  # every other stored row has its draft
    return chunk.fast.row(chunk.shaped[number].values)[chunk.fast.kind.codes.index("WSH")]
