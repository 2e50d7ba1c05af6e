"""Writes for collection, one module per concern: uploads and their batches (batches.py), the
mapping step that decides which column carries which field before any row is stored
(mapping.py), the chunked ingest of a file's rows with its results and rejected rows' files
(chunks.py), a record typed in the console (entry.py), and what every way in shares: the
validation context and the refusal of another department's record (context.py). Callers import
from here."""

from core.collection.services.batches import (
    BatchBusy,
    batch_create,
    batch_ingest,
    batches_requeue,
)
from core.collection.services.context import refused_problem, validation_context
from core.collection.services.entry import EntryResult, record_enter
from core.collection.services.mapping import (
    batch_mapping_confirm,
    profile_delete,
    profile_update,
)

__all__ = [
    "BatchBusy",
    "EntryResult",
    "batch_create",
    "batch_ingest",
    "batch_mapping_confirm",
    "batches_requeue",
    "profile_delete",
    "profile_update",
    "record_enter",
    "refused_problem",
    "validation_context",
]
