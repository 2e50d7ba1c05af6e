"""What the rest of the code calls for files beyond Django's default_storage."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from core.storage.backends import prefixed
from core.storage.client import s3_delete_prefix, s3_enabled


def delete_schema_prefix(schema: str) -> int:
    """Delete every file stored under `schema` (used when a district is purged). Idempotent."""
    if not schema or "/" in schema or schema.startswith("."):
        raise ValueError(f"Not a schema name: {schema!r}")
    if s3_enabled():
        return s3_delete_prefix(f"{schema}/")
    root = Path(settings.MEDIA_ROOT) / schema
    if not root.exists():
        return 0
    count = sum(1 for p in root.rglob("*") if p.is_file())
    shutil.rmtree(root)
    return count


def where_stored(name: str) -> str:
    """Where a stored file can be found by a person at this machine: its path on local disk, or
    its storage key (under the schema prefix) when files are kept in S3."""
    if s3_enabled():
        return f"s3://{settings.S3_BUCKET}/{prefixed(name)}"
    return str(default_storage.path(name))
