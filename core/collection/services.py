"""Uploads: store the file, then ingest it row by row (as a Celery task, or directly from the
command line). Every row ends stored, updated, duplicate or rejected with every reason; nothing is
lost, and the same file twice changes nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from typing import IO

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.catalog.models import CatalogSupply, Department
from core.catalog.permissions import DEPARTMENT_DATA
from core.collection.models import RejectedRow, UploadBatch, UploadBatchStatus
from core.collection.readers import check_size, check_upload, count_rows, read_rows
from core.common.actors import Actor
from core.common.broker import delay_or_defer
from core.common.errors import ApplicationError, ValidationFailed
from core.common.events import subjects_changed
from core.common.spreadsheets import neutralise
from core.common.tenancy import current_schema, on_commit_here
from core.common.workdays import WorkdayCalendar
from core.ops.metrics import ingest_rows_count
from core.publicity.rules import PublicityRules
from core.records.fastpath import FastPath, Prepared
from core.records.fields import (
    ACTION_HEADER,
    ACTIONS,
    detect_prefix,
    resolve_headers,
    spec_for,
)
from core.records.models import Record
from core.records.staging import Outcome, Provenance, RecordStage, StoreResult, records_store
from core.records.validation import Problem, RecordDraft, ValidationContext, validate_row

CHUNK_ROWS = 5000
REJECTED_REASON_HEADER = "错误原因"


def batch_create(
    *,
    actor: Actor,
    department: Department,
    filename: str,
    content: IO[bytes],
    size: int,
    user: User | None = None,
) -> UploadBatch:
    """Keep the uploaded file (under the district's storage prefix) and queue its ingest. A file
    too large, or an XLSX whose zip directory says it could expand beyond what is read safely, is
    refused first (ValidationFailed on "file"), and nothing is kept."""
    if user is not None:
        require(user, DEPARTMENT_DATA, department.pk)
    check_size(size)
    check_upload(content)  # a zip bomb is refused from its directory, before it is stored
    digest = hashlib.sha256()
    content.seek(0)
    for block in iter(lambda: content.read(1 << 20), b""):
        digest.update(block)
    content.seek(0)
    sha = digest.hexdigest()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    stored_name = default_storage.save(
        f"uploads/{department.code}/{stamp}-{sha[:12]}-{_safe(filename)}", File(content)
    )
    with transaction.atomic():
        batch = UploadBatch.objects.create(
            department=department,
            uploaded_by=actor.label,
            uploaded_by_id=actor.user_id,
            filename=filename[:255],
            file_name_in_storage=stored_name,
            file_sha256=sha,
            size=size,
        )
        audit_record(
            actor=actor,
            action="batch.upload",
            details={"batch": batch.pk, "file": filename, "sha256": sha},
        )
        on_commit_here(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id: int) -> bool:
    from core.collection.tasks import batch_ingest_task  # tasks import services: import late

    # The batch is committed as queued; if the broker is down it stays so until a sweep queues it
    # again (batches_requeue): the upload is never lost and never an error page.
    return delay_or_defer(
        batch_ingest_task,
        batch_id,
        deferred=f"batch {batch_id} stays queued until the broker is back",
    )


def batches_requeue() -> list[int]:
    """In the current district: queue the ingest again of every batch whose task may be lost
    (still queued: its dispatch may have failed while the broker was down; or running with no
    ingest holding it: its worker died and the broker forgot the task). A second task for a batch
    is harmless: a finished batch is left as it is, and one ingest runs at a time
    (`batch_ingest`). Returns the batch ids."""
    from core.collection.tasks import batch_ingest_task

    candidates = UploadBatch.objects.filter(
        status__in=[UploadBatchStatus.QUEUED, UploadBatchStatus.RUNNING]
    ).values_list("pk", "status")
    queued = []
    for pk, status in candidates:
        if status == UploadBatchStatus.RUNNING:
            with _exclusive(pk) as free:
                if not free:
                    continue  # an ingest is running it now
        if not delay_or_defer(batch_ingest_task, pk, deferred=f"batch {pk} stays {status}"):
            break  # the broker went away again: the next sweep tries
        queued.append(pk)
    return queued


class BatchBusy(Exception):
    """Another ingest of the same batch is running (its task tries again later)."""


@contextmanager
def _exclusive(batch_id: int, *, wait: bool = False) -> Iterator[bool]:
    """A session-level PostgreSQL advisory lock on the batch: yields whether it was taken (always,
    with `wait`). It dies with the connection, so a killed worker never leaves it held."""
    key = f"collection.batch_ingest:{current_schema()}:{batch_id}"
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0)), true", [key])
        else:
            cursor.execute("SELECT 1, pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        _, taken = cursor.fetchone()
    try:
        yield bool(taken)
    finally:
        if taken:
            # A connection lost meanwhile has released it already.
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _safe(filename: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[-80:] or "upload"


@dataclass
class _Outcome:
    row: int
    outcome: str
    record_id: int | None = None
    reasons: str = ""


def batch_ingest(*, batch_id: int, wait: bool = False) -> UploadBatch:
    """Read, validate and store every row of a batch; write the results and the rejected rows.
    A file that cannot be read at all fails the batch with the reason; nothing is stored then.
    One ingest of a batch runs at a time: while another runs (a task delivered twice, a worker
    that took the command line's batch), raises BatchBusy, or with `wait` waits for it."""
    with _exclusive(batch_id, wait=wait) as taken:
        if not taken:
            raise BatchBusy(batch_id)
        return _batch_ingest(batch_id)


def _batch_ingest(batch_id: int) -> UploadBatch:
    batch = UploadBatch.objects.select_related("department").get(pk=batch_id)
    if batch.status == UploadBatchStatus.DONE:
        return batch
    # A batch interrupted earlier (a worker stopped mid-file) starts over: rows it already stored
    # or corrected come out stored or updated again (records_store knows them by batch and row).
    RejectedRow.objects.filter(batch=batch).delete()
    batch.status, batch.error = UploadBatchStatus.RUNNING, ""
    batch.stored = batch.updated = batch.duplicate = batch.rejected = batch.rows_done = 0
    batch.save(
        update_fields=["status", "error", "stored", "updated", "duplicate", "rejected", "rows_done"]
    )
    results = _CsvSpool(["行号", "结果", "记录编号", "说明"])
    rejected_file: _CsvSpool | None = None
    try:
        rejected_file, moved = _ingest(batch, results)
    except ApplicationError as exc:
        batch.status, batch.error, batch.finished_at = (
            UploadBatchStatus.FAILED,
            exc.message,
            timezone.now(),
        )
        batch.save(update_fields=["status", "error", "finished_at"])
        return batch
    code = batch.department.code
    batch.results_name = default_storage.save(
        f"uploads/{code}/results-{batch.pk}.csv", results.file()
    )
    if rejected_file is not None and batch.rejected:
        batch.rejected_name = default_storage.save(
            f"uploads/{code}/rejected-{batch.pk}.csv", rejected_file.file()
        )
    batch.status, batch.finished_at = UploadBatchStatus.DONE, timezone.now()
    with transaction.atomic():
        batch.save(update_fields=["status", "finished_at", "results_name", "rejected_name"])
        audit_record(
            actor=Actor.system("ingest"),
            action="batch.ingest",
            details={"batch": batch.pk, "stored": batch.stored, "updated": batch.updated,
                     "duplicate": batch.duplicate, "rejected": batch.rejected},
        )  # fmt: skip
        # One rescore for the whole file: the subjects whose records it stored or changed (also
        # when this run found them already stored by an earlier, interrupted run of the batch).
        mine = Record.objects.filter(batch_id=batch.pk).values_list("subject_id", flat=True)
        subjects_changed(set(mine.distinct()) | moved, reason="batch.ingest")
    return batch


class _CsvSpool:
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


def _ingest(batch: UploadBatch, results: _CsvSpool) -> tuple[_CsvSpool, set[int]]:
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
        rejected_file = _CsvSpool([*headers, REJECTED_REASON_HEADER])
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
    batch: UploadBatch, chunk: _Chunk, number: int, problems: list[Problem], out: _CsvSpool
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
        rejected_file: _CsvSpool,
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

    def decide(self, number: int, batch: UploadBatch, rejected_file: _CsvSpool) -> None:
        """Validate a row in Python: a draft to store, or rejected with every reason."""
        result = self.validate(self.cells[number])
        if isinstance(result, list):
            _reject(batch, self, number, result, rejected_file)
        else:
            self.pending.append((number, result))


def _numbered(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    # Spreadsheet row numbers: the header is row 1.
    yield from enumerate(rows, start=2)


def validation_context(*, department: Department, prefix: str) -> ValidationContext:
    """What validating rows for `department` needs, read once (calendar, rules, deadline)."""
    today = timezone.localdate()
    item_code = {"CF": "N03-02", "XK": "N03-01"}.get(prefix, "")
    supply = CatalogSupply.objects.filter(department=department, item__code=item_code).first()
    return ValidationContext(
        department_code=department.code,
        supplied_on=today,
        deadline_working_days=supply.deadline_working_days if supply else 7,
        calendar=WorkdayCalendar.around(today, days_before=365 * 12, days_after=60),
        rules=PublicityRules(),
        check_source=not department.is_upstream,
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
    results: _CsvSpool,
    rejected_file: _CsvSpool,
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


def refused_problem(prefix: str, doc_number: str, result: StoreResult) -> Problem:
    """Why a change to another department's record was not applied."""
    owner = Department.objects.filter(pk=result.owner_department_id or 0).values_list(
        "name", flat=True
    )
    return Problem(
        f"{prefix}_WSH",
        spec_for(prefix, "WSH").label,
        doc_number,
        f"该文书号的记录由{owner.first() or '其他部门'}报送，只能由该部门更正",
    )


OUTCOME_NAMES = {"stored": "新增", "updated": "更新", "duplicate": "重复", "rejected": "退回"}


@dataclass(frozen=True)
class EntryResult:
    outcome: str  # stored / updated / duplicate
    record_id: int


def record_enter(
    *, actor: User, department: Department, prefix: str, values: dict[str, str]
) -> EntryResult | list[Problem]:
    """One record typed in the console (or corrected there), with the same validation as uploads:
    returns the outcome, or every problem to show beside the form's fields."""
    require(actor, DEPARTMENT_DATA, department.pk)
    result = validate_row(prefix, values, validation_context(department=department, prefix=prefix))
    if isinstance(result, list):
        return result
    stored = records_store(
        drafts=[(None, result)],
        provenance=Provenance(
            actor=Actor.for_user(actor, schema=current_schema()), department_id=department.pk
        ),
    )[0]
    if stored.outcome == Outcome.REFUSED:
        return [refused_problem(prefix, result.doc_number, stored)]
    return EntryResult(stored.outcome.value, stored.record_id)
