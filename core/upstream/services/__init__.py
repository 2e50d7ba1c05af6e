"""Writes for upstream reporting, one module per concern: endpoint settings (endpoints.py), exports
(exporting.py), building batches (building.py), sending them (sending.py), and the period and
envelope these share (periods.py). Callers import from here.

Endpoints (name and URL) are the operator's; a district admin sets only the token, whether pushing
is on and the source code of returned files. A batch is built once (what changed in a period and
was not yet reported to that endpoint), stored with its payloads, then sent as the same bytes under
the same batch id until upstream answers; upstream's per-item answer is recorded on the items. See
docs/subsystems/upstream.md."""

from core.upstream.services.building import outbox_batch_resend, outbox_batches_build
from core.upstream.services.endpoints import (
    EndpointChanges,
    endpoint_url_check,
    upstream_endpoint_configure,
    upstream_endpoint_update,
)
from core.upstream.services.exporting import ExportFile, upstream_export
from core.upstream.services.sending import outbox_batch_send, outbox_batches_send_due

__all__ = [
    "EndpointChanges",
    "ExportFile",
    "endpoint_url_check",
    "outbox_batch_resend",
    "outbox_batch_send",
    "outbox_batches_build",
    "outbox_batches_send_due",
    "upstream_endpoint_configure",
    "upstream_endpoint_update",
    "upstream_export",
]
