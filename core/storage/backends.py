"""Django storage backends whose every key starts with the current schema's name.

Names stored in the database stay unprefixed; the prefix is added on every operation from the
connection's schema at that moment. The same name read in another district's schema therefore
points at that district's own (usually missing) file, never at the first district's.
"""

from __future__ import annotations

import posixpath
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from core.common.tenancy import current_schema
from core.storage.signing import signed_path


def schema_prefix() -> str:
    return current_schema()


def prefixed(name: str) -> str:
    clean = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
    if clean.startswith("..") or clean in ("", "."):
        raise SuspiciousFileOperation(f"Refusing a storage name outside the schema: {name!r}")
    return f"{schema_prefix()}/{clean}"


class TenantFileSystemStorage(FileSystemStorage):
    """Local files under MEDIA_ROOT/<schema>/...; URLs are short-lived signed links."""

    def path(self, name: str) -> str:
        return super().path(prefixed(name))

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        # Django returns the path relative to MEDIA_ROOT, which includes the schema prefix; the
        # name kept in the database must not, so that it always resolves in the current schema.
        saved = super().save(name, content, max_length)
        return saved.removeprefix(f"{schema_prefix()}/")

    def url(self, name: str | None) -> str:
        if name is None:
            raise ValueError("A file name is required for a URL")
        return signed_path(schema=schema_prefix(), name=name)


class TenantS3Storage(S3Storage):  # django-storages has no types
    """S3-compatible storage; URLs are presigned and expire after SIGNED_URL_MAX_AGE seconds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("bucket_name", settings.S3_BUCKET)
        kwargs.setdefault("endpoint_url", settings.S3_ENDPOINT_URL or None)
        kwargs.setdefault("access_key", settings.S3_ACCESS_KEY_ID)
        kwargs.setdefault("secret_key", settings.S3_SECRET_ACCESS_KEY)
        kwargs.setdefault("region_name", settings.S3_REGION)
        kwargs.setdefault("addressing_style", "path")
        kwargs.setdefault("signature_version", "s3v4")
        kwargs.setdefault("querystring_expire", settings.SIGNED_URL_MAX_AGE)
        kwargs.setdefault("file_overwrite", False)
        kwargs.setdefault("default_acl", None)
        super().__init__(**kwargs)

    def _normalize_name(self, name: str) -> str:
        return str(super()._normalize_name(prefixed(name)))
