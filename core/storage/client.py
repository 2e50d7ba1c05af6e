"""boto3 client for the configured S3-compatible service (HackSoft's integrations/aws/client.py)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef


@dataclass(frozen=True)
class S3Credentials:
    endpoint_url: str | None
    access_key_id: str
    secret_access_key: str
    region: str
    bucket: str


def s3_enabled() -> bool:
    return bool(settings.S3_BUCKET)


def s3_credentials() -> S3Credentials:
    if not s3_enabled():
        raise ImproperlyConfigured("S3 storage is not configured (set S3_BUCKET and its keys)")
    return S3Credentials(
        endpoint_url=settings.S3_ENDPOINT_URL or None,
        access_key_id=settings.S3_ACCESS_KEY_ID,
        secret_access_key=settings.S3_SECRET_ACCESS_KEY,
        region=settings.S3_REGION,
        bucket=settings.S3_BUCKET,
    )


def _boto(credentials: S3Credentials, **config: Any) -> S3Client:
    return boto3.client(
        "s3",
        endpoint_url=credentials.endpoint_url,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        region_name=credentials.region,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, **config),
    )


@lru_cache(maxsize=4)
def _client(credentials: S3Credentials) -> S3Client:
    return _boto(credentials)


def s3_client() -> S3Client:
    return _client(s3_credentials())


def s3_delete_prefix(prefix: str) -> int:
    """Delete every object whose key starts with `prefix`. Returns how many were deleted."""
    credentials = s3_credentials()
    client = s3_client()
    deleted = 0
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=credentials.bucket, Prefix=prefix):
        keys: list[ObjectIdentifierTypeDef] = [
            {"Key": obj["Key"]} for obj in page.get("Contents", [])
        ]
        if keys:
            client.delete_objects(
                Bucket=credentials.bucket, Delete={"Objects": keys, "Quiet": True}
            )
            deleted += len(keys)
    return deleted


def s3_bucket_check(*, timeout: float) -> None:
    """Raise unless the configured bucket answers within `timeout` seconds with these keys (a
    HEAD request, no retries: readiness probes call it and must fail fast)."""
    credentials = s3_credentials()
    _probe_client(credentials, timeout).head_bucket(Bucket=credentials.bucket)


@lru_cache(maxsize=4)
def _probe_client(credentials: S3Credentials, timeout: float) -> S3Client:
    return _boto(credentials, connect_timeout=timeout, read_timeout=timeout,
                 retries={"max_attempts": 1, "mode": "standard"})  # fmt: skip


def s3_ensure_bucket() -> None:
    """Create the configured bucket if it does not exist (development and test servers)."""
    credentials = s3_credentials()
    client = s3_client()
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if credentials.bucket not in existing:
        client.create_bucket(Bucket=credentials.bucket)
