"""What the rest of the code calls for files beyond Django's default_storage."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from core.common.errors import ValidationFailed
from core.storage.backends import prefixed
from core.storage.client import s3_bucket_check, s3_delete_prefix, s3_enabled


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


def storage_kind() -> str:
    """The kind of file storage in use: "s3" (S3-compatible) or "local" (this machine's disk)."""
    return "s3" if s3_enabled() else "local"


def storage_check(*, timeout: float) -> None:
    """Raise unless files can be stored: the bucket answers (S3), or the media folder exists (it is
    created if missing, as the first upload would) and this process may write to it (local)."""
    if s3_enabled():
        s3_bucket_check(timeout=timeout)
        return
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    if not os.access(root, os.W_OK | os.X_OK):
        raise PermissionError(f"Cannot write to the media folder {root}")


def where_stored(name: str) -> str:
    """Where a stored file can be found by a person at this machine: its path on local disk, or
    its storage key (under the schema prefix) when files are kept in S3."""
    if s3_enabled():
        return f"s3://{settings.S3_BUCKET}/{prefixed(name)}"
    return str(default_storage.path(name))


MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = {b"%PDF": ".pdf", b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg"}


def attachment_check(attachment: IO[bytes], *, field: str = "attachment") -> str:
    """Refuse a document that store_attachment would not keep (not a PDF, PNG or JPG by its
    content, or over 5 MB); return its file suffix. Stores nothing, so a form can check every
    field before anything is kept."""
    head = attachment.read(8)
    attachment.seek(0, 2)
    size = attachment.tell()
    attachment.seek(0)
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed("附件不能超过5 MB", field=field)
    suffix = next((ext for magic, ext in ATTACHMENT_TYPES.items() if head.startswith(magic)), None)
    if suffix is None:
        raise ValidationFailed("附件只接受PDF、PNG或JPG文件", field=field)
    return suffix


def store_attachment(attachment: IO[bytes], *, folder: str, field: str = "attachment") -> str:
    """Keep a document the public or a clerk hands in (PDF, PNG or JPG by content, 5 MB at most)
    under `folder` with an unguessable name; returns the stored name."""
    suffix = attachment_check(attachment, field=field)
    return default_storage.save(f"{folder}/{secrets.token_hex(8)}{suffix}", File(attachment))
