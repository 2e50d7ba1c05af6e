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

from core.collection.models import RejectedRow, UploadBatch
from core.collection.readers import count_rows, read_rows
from core.collection.services.context import refused_problem, validation_context
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.spreadsheets import neutralise
from core.common.tenancy import current_schema
from core.ops.metrics import ingest_rows_count
from core.records.drafts import RecordDraft
from core.records.fastpath import FastPath, Prepared
from core.records.fields import ACTION_HEADER, ACTIONS, detect_prefix, resolve_headers
from core.records.staging import Outcome, Provenance, RecordStage
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
    """Read, decide and store every row of the batch's file, writing each outcome to `results`;
    returns the rejected rows' file and the subjects a correction moved records away from.
    A file that cannot be read raises ApplicationError (`batch_ingest` fails the batch with it)."""
    with default_storage.open(batch.file_name_in_storage, "rb") as handle:
        batch.rows_total = count_rows(handle, batch.filename)
        batch.save(update_fields=["rows_total"])
    with (
        default_storage.open(batch.file_name_in_storage, "rb") as handle,
        closing(read_rows(handle, batch.filename)) as rows,
    ):
        headers = next(rows, None)
        if headers is None:
            raise ValidationFailed("文件没有表头行", code="BAD_FILE")
        prefix = detect_prefix(headers)
        if prefix is None:
            raise ValidationFailed(
                "无法识别文件类型：表头应为行政许可（XK_）、行政处罚（CF_）或平台通用记录模板（JL_）字段",
                code="BAD_FILE",
            )
        mapping = resolve_headers(headers, prefix)
        if mapping.missing:
            names = "、".join(f"{s.label}（{prefix}_{s.code}）" for s in mapping.missing)
            raise ValidationFailed(f"缺少必填列：{names}", code="MISSING_COLUMNS")
        batch.kind = prefix
        batch.save(update_fields=["kind"])
        ctx = validation_context(department=batch.department, prefix=prefix)
        provenance = Provenance(
            actor=Actor.system(f"upload:{batch.uploaded_by}"),
            department_id=batch.department_id,
            batch_id=batch.pk,
            file_sha256=batch.file_sha256,
        )
        rejected_file = CsvSpool([*headers, REJECTED_REASON_HEADER])
        chunk = _Chunk(
            validate=lambda cells: validate_row(prefix, mapping.values(cells), ctx),
            fast=FastPath.for_batch(
                prefix=prefix, mapping=mapping, ctx=ctx, department_id=batch.department_id
            ),
        )
        action_at = next(
            (i for i, h in enumerate(headers) if h.strip().upper() == ACTION_HEADER), None
        )
        numbered = _numbered(rows)
        # One thread: a reader thread that prepared the next chunk while this one was stored lost
        # more to the GIL than it overlapped (each statement's return waited for the reader to
        # yield; docs/benchmarks.md).
        while chunk.read(numbered, action_at, batch, rejected_file):
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

    validate: Callable[[list[str]], RecordDraft | list[Problem]]
    fast: FastPath | None
    outcomes: list[_Outcome] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    pending: list[tuple[int, RecordDraft]] = field(default_factory=list)
    prepared: Prepared | None = None  # for the fast path
    cells: dict[int, list[str]] = field(default_factory=dict)  # every row of the chunk
    # Subjects a corrected record moved away from (rescored with the batch's own subjects).
    moved: set[int] = field(default_factory=set)

    def read(
        self,
        numbered: Iterator[tuple[int, list[str]]],
        action_at: int | None,
        batch: UploadBatch,
        rejected_file: CsvSpool,
    ) -> bool:
        """The file's next rows (False at its end): rows refused for their ACTION column are
        rejected; the others are prepared for the fast path's COPY, or else validated now."""
        for number, row in numbered:
            if not any(c.strip() for c in row):
                continue  # blank lines are not rows
            self.cells[number] = row
            if len(self.cells) >= CHUNK_ROWS:
                break
        if not self.cells:
            return False
        ordinary = []
        for number, row in self.cells.items():
            if action := _action_problem(row, action_at):
                _reject(batch, self, number, [action], rejected_file)
            else:
                ordinary.append(number)
        if self.fast is not None:
            self.prepared = self.fast.prepare([(n, self.cells[n]) for n in ordinary])
        else:
            for number in ordinary:
                self.decide(number, batch, rejected_file)
        return True

    def decide(self, number: int, batch: UploadBatch, rejected_file: CsvSpool) -> None:
        """Validate a row in Python: a draft to store, or rejected with every reason."""
        result = self.validate(self.cells[number])
        if isinstance(result, list):
            _reject(batch, self, number, result, rejected_file)
        else:
            self.pending.append((number, result))


def _numbered(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    # Spreadsheet row numbers: the header is row 1.
    yield from enumerate(rows, start=2)


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
            chunk.outcomes.append(_Outcome(number, result.outcome.value, result.record_id, reason))
            setattr(batch, result.outcome.value, getattr(batch, result.outcome.value) + 1)
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
        results.write([o.row, OUTCOME_NAMES[o.outcome], o.record_id or "", o.reasons])
    chunk.outcomes.clear()
    chunk.rejected.clear()
    chunk.pending.clear()
    chunk.prepared = None
    chunk.cells = {}


def _wsh(chunk: _Chunk, number: int) -> str:
    """The document number of a row the fast path staged (for a refusal's message)."""
    assert chunk.fast is not None  # every other stored row has its draft
    return chunk.fast.row(chunk.cells[number])[chunk.fast.kind.codes.index("WSH")]
