"""Uploads: keep the file, queue its ingest, and run it (as a Celery task, or directly from the
command line), one ingest of a batch at a time. The rows themselves are read, decided and stored a
chunk at a time by chunks.py; a batch ends with its results file and its rejected rows' file, or
failed with the reason when the file cannot be read at all."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.catalog.models import Department
from core.catalog.permissions import DEPARTMENT_DATA
from core.collection.models import RejectedRow, UploadBatch, UploadBatchStatus
from core.collection.readers import check_size, check_upload
from core.collection.services.chunks import CsvSpool, rows_ingest
from core.collection.services.mapping import batch_analyse
from core.collection.services.queue import ingest_enqueue_on_commit
from core.common.actors import Actor
from core.common.broker import delay_or_defer
from core.common.errors import ApplicationError
from core.common.events import subjects_changed
from core.common.tenancy import current_schema
from core.records.models import Record


def batch_create(
    *,
    actor: Actor,
    department: Department,
    filename: str,
    content: IO[bytes],
    size: int,
    user: User | None = None,
    hold: bool = False,
) -> UploadBatch:
    """Keep the uploaded file (under the district's storage prefix), find its table and propose
    its column mapping (core/collection/services/mapping.py): the ingest is queued when every
    column is recognised, otherwise the batch waits for the clerk (MAPPING). A file too large, or
    an XLSX whose zip directory says it could expand beyond what is read safely, is refused first
    (ValidationFailed on "file"), and nothing is kept; a file that cannot be read is kept, its
    batch failed with the reason. With `hold`, the batch waits for a mapping even when every
    column is recognised (the command line's --mapping file decides)."""
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
            status=UploadBatchStatus.MAPPING,
        )
        audit_record(
            actor=actor,
            action="batch.upload",
            details={"batch": batch.pk, "file": filename, "sha256": sha},
        )
        try:
            batch_analyse(batch, content, hold=hold)
        except ApplicationError as exc:  # a file that cannot be read: the batch fails with why
            batch.status, batch.error, batch.finished_at = (
                UploadBatchStatus.FAILED,
                exc.message,
                timezone.now(),
            )
            batch.save(update_fields=["status", "error", "finished_at"])
        if batch.status == UploadBatchStatus.QUEUED:
            ingest_enqueue_on_commit(batch.pk)
    return batch


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
    if not batch.mapping and batch.status == UploadBatchStatus.QUEUED:
        # Queued before the mapping step existed: its mapping is proposed now, and it waits for
        # the clerk like a new upload when anything is left to decide.
        try:
            with default_storage.open(batch.file_name_in_storage, "rb") as handle:
                batch_analyse(batch, handle)
        except ApplicationError:
            pass  # unreadable: the ingest below fails the batch with the reason
    if batch.status in (
        UploadBatchStatus.DONE,
        UploadBatchStatus.MAPPING,
        UploadBatchStatus.FAILED,
    ):
        # Done already, waiting for the clerk's mapping, or failed (a file that cannot be read
        # fails at upload): nothing to store.
        return batch
    # A batch interrupted earlier (a worker stopped mid-file) starts over: rows it already stored
    # or corrected come out stored or updated again (records_store knows them by batch and row).
    RejectedRow.objects.filter(batch=batch).delete()
    batch.status, batch.error = UploadBatchStatus.RUNNING, ""
    batch.stored = batch.updated = batch.duplicate = batch.rejected = batch.rows_done = 0
    batch.save(
        update_fields=["status", "error", "stored", "updated", "duplicate", "rejected", "rows_done"]
    )
    results = CsvSpool(["行号", "结果", "记录编号", "说明", "平台推定的字段"])
    rejected_file: CsvSpool | None = None
    try:
        rejected_file, moved = rows_ingest(batch, results)
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
