"""Uploads: store the file, then ingest it row by row (as a Celery task, or directly from the
command line). Every row ends stored, updated, duplicate or rejected with every reason; nothing is
lost, and the same file twice changes nothing."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.permissions import require_department
from core.audit.services import audit_record
from core.catalog.models import CatalogSupply, Department
from core.collection.fields import detect_prefix, resolve_headers
from core.collection.models import BatchStatus, RejectedRow, UploadBatch
from core.collection.readers import check_size, count_rows, read_rows
from core.collection.validation import Problem, RecordDraft, ValidationContext, validate_row
from core.common.actors import Actor
from core.common.errors import ApplicationError, ValidationFailed
from core.common.tenancy import current_schema
from core.common.workdays import WorkdayCalendar
from core.publicity.rules import PublicityRules
from core.records.services import Provenance, records_store

CHUNK_ROWS = 2000
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
    """Keep the uploaded file (under the district's storage prefix) and queue its ingest."""
    if user is not None:
        require_department(user, department.pk)
    check_size(size)
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
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id: int) -> None:
    from core.collection.tasks import batch_ingest_task  # tasks import services: import late

    batch_ingest_task.delay(batch_id)


def _safe(filename: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[-80:] or "upload"


@dataclass
class _Outcome:
    row: int
    outcome: str
    record_id: int | None = None
    reasons: str = ""


def batch_ingest(*, batch_id: int) -> UploadBatch:
    """Read, validate and store every row of a batch; write the results and the rejected rows.
    A file that cannot be read at all fails the batch with the reason; nothing is stored then."""
    batch = UploadBatch.objects.select_related("department").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return batch
    # A batch interrupted earlier (a worker stopped mid-file) starts over: rows it already stored
    # come out as duplicates, and the counts describe this run alone.
    RejectedRow.objects.filter(batch=batch).delete()
    batch.status, batch.error = BatchStatus.RUNNING, ""
    batch.stored = batch.updated = batch.duplicate = batch.rejected = batch.rows_done = 0
    batch.save(
        update_fields=["status", "error", "stored", "updated", "duplicate", "rejected", "rows_done"]
    )
    try:
        outcomes, rejected_rows, headers = _ingest(batch)
    except ApplicationError as exc:
        batch.status, batch.error, batch.finished_at = (
            BatchStatus.FAILED,
            exc.message,
            timezone.now(),
        )
        batch.save(update_fields=["status", "error", "finished_at"])
        return batch
    batch.results_name = default_storage.save(
        f"uploads/{batch.department.code}/results-{batch.pk}.csv",
        ContentFile(_results_csv(outcomes)),
    )
    if rejected_rows:
        batch.rejected_name = default_storage.save(
            f"uploads/{batch.department.code}/rejected-{batch.pk}.csv",
            ContentFile(_rejected_csv(headers, rejected_rows)),
        )
    batch.status, batch.finished_at = BatchStatus.DONE, timezone.now()
    batch.save(update_fields=["status", "finished_at", "results_name", "rejected_name"])
    audit_record(
        actor=Actor.system("ingest"),
        action="batch.ingest",
        details={"batch": batch.pk, "stored": batch.stored, "updated": batch.updated,
                 "duplicate": batch.duplicate, "rejected": batch.rejected},
    )  # fmt: skip
    return batch


def _ingest(batch: UploadBatch) -> tuple[list[_Outcome], list[RejectedRow], list[str]]:
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
                "无法识别文件类型：表头应为行政许可（XK_）或行政处罚（CF_）字段", code="BAD_FILE"
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
        outcomes: list[_Outcome] = []
        rejected: list[RejectedRow] = []  # waiting to be saved with the next chunk
        all_rejected: list[RejectedRow] = []
        seen: dict[tuple[str, str, str], int] = {}
        pending: list[tuple[int, RecordDraft]] = []
        for number, cells in _numbered(rows):
            values: dict[str, str] = {}
            for index, code in mapping.columns.items():
                cell = cells[index] if index < len(cells) else ""
                values[code] = (
                    f"{values[code]};{cell}"
                    if code in values and cell
                    else values.get(code) or cell
                )
            if not any(c.strip() for c in cells):
                continue  # blank lines are not rows
            result = validate_row(prefix, values, ctx)
            if isinstance(result, list):
                rejected.append(_rejected(batch, number, result, cells))
                all_rejected.append(rejected[-1])
                outcomes.append(
                    _Outcome(number, "rejected", reasons="；".join(str(p) for p in result))
                )
            elif result.business_key in seen:
                outcomes.append(
                    _Outcome(number, "duplicate", reasons=f"与第{seen[result.business_key]}行重复")
                )
                batch.duplicate += 1
            else:
                seen[result.business_key] = number
                pending.append((number, result))
            if len(pending) >= CHUNK_ROWS:
                _flush(batch, pending, provenance, outcomes, rejected)
        _flush(batch, pending, provenance, outcomes, rejected)
        outcomes.sort(key=lambda o: o.row)
        return outcomes, all_rejected, headers


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
    pending: list[tuple[int, RecordDraft]],
    provenance: Provenance,
    outcomes: list[_Outcome],
    rejected: list[RejectedRow],
) -> None:
    results = records_store(drafts=pending, provenance=provenance)
    for (number, _), result in zip(pending, results, strict=True):
        outcomes.append(_Outcome(number, result.outcome.value, result.record_id))
        setattr(batch, result.outcome.value, getattr(batch, result.outcome.value) + 1)
    RejectedRow.objects.bulk_create(rejected)
    batch.rejected += len(rejected)
    batch.rows_done = batch.stored + batch.updated + batch.duplicate + batch.rejected
    batch.rows_total = max(batch.rows_total, batch.rows_done)
    batch.save(
        update_fields=["stored", "updated", "duplicate", "rejected", "rows_done", "rows_total"]
    )
    pending.clear()
    rejected.clear()


def neutralise(value: str) -> str:
    """Spreadsheet-formula text is written with a leading apostrophe, so Excel shows, not runs, it."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


OUTCOME_NAMES = {"stored": "新增", "updated": "更新", "duplicate": "重复", "rejected": "退回"}


def _results_csv(outcomes: list[_Outcome]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "结果", "记录编号", "说明"])
    for o in outcomes:
        writer.writerow([o.row, OUTCOME_NAMES[o.outcome], o.record_id or "", neutralise(o.reasons)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _rejected_csv(headers: list[str], rows: list[RejectedRow]) -> bytes:
    """The rejected rows as uploaded plus a reason column: fix them and upload this file again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*headers, REJECTED_REASON_HEADER])
    for row in rows:
        reasons = "；".join(f"{p['label']}（{p['field']}）：{p['message']}" for p in row.problems)
        writer.writerow([*(neutralise(str(c)) for c in row.values), neutralise(reasons)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class EntryResult:
    outcome: str  # stored / updated / duplicate
    record_id: int


def record_enter(
    *, actor: User, department: Department, prefix: str, values: dict[str, str]
) -> EntryResult | list[Problem]:
    """One record typed in the console (or corrected there), with the same validation as uploads:
    returns the outcome, or every problem to show beside the form's fields."""
    require_department(actor, department.pk)
    result = validate_row(prefix, values, validation_context(department=department, prefix=prefix))
    if isinstance(result, list):
        return result
    stored = records_store(
        drafts=[(None, result)],
        provenance=Provenance(
            actor=Actor.for_user(actor, schema=current_schema()), department_id=department.pk
        ),
    )[0]
    return EntryResult(stored.outcome.value, stored.record_id)
