"""The hash chain of the exchange log: what an entry's hash covers, in one place."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

# The columns an entry's hash covers, besides `prev_hash` (all of them but the hash itself and id).
CHAINED = (
    "seq", "occurred_at", "side", "request_id", "agreement_id", "counterpart", "purpose", "staff",
    "subject_code", "record_ids", "response_hash", "outcome", "reason_code", "reason",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def entry_hash(content: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the chained columns and the previous entry's hash, as canonical JSON."""
    data = {name: _plain(content[name]) for name in CHAINED}
    data["prev_hash"] = prev_hash
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
