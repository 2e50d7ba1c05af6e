"""A district's files as a whole, for export and restore (provisioning/services/backup.py): every file
under `<schema>/`, read one by one, and files written under another schema's prefix. Names are
relative to the prefix, as the database stores them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from core.storage.client import s3_client, s3_credentials, s3_enabled


def _checked(schema: str) -> str:
    if not schema or "/" in schema or schema.startswith("."):
        raise ValueError(f"Not a schema name: {schema!r}")
    return schema


def schema_file_names(schema: str) -> Iterator[str]:
    """Every file stored under the schema's prefix, relative to it, in a stable order."""
    prefix = f"{_checked(schema)}/"
    if s3_enabled():
        bucket = s3_credentials().bucket
        paginator = s3_client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"][len(prefix) :]
        return
    root = Path(settings.MEDIA_ROOT) / schema
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            yield path.relative_to(root).as_posix()


def schema_file_read(schema: str, name: str) -> bytes:
    if s3_enabled():
        answer = s3_client().get_object(
            Bucket=s3_credentials().bucket, Key=f"{_checked(schema)}/{name}"
        )
        return answer["Body"].read()
    return (Path(settings.MEDIA_ROOT) / _checked(schema) / name).read_bytes()


def schema_file_write(schema: str, name: str, data: bytes) -> None:
    if ".." in Path(name).parts or name.startswith("/"):
        raise ValueError(f"Not a relative storage name: {name!r}")
    if s3_enabled():
        s3_client().put_object(
            Bucket=s3_credentials().bucket, Key=f"{_checked(schema)}/{name}", Body=data
        )
        return
    path = Path(settings.MEDIA_ROOT) / _checked(schema) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
