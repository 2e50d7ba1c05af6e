from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django_tenants.utils import schema_context

from core.storage.api import delete_schema_prefix
from core.storage.client import s3_ensure_bucket
from tests.conftest import client_for
from tests.support.servers import S3Server, start_seaweedfs

BUCKET = "credit-test"


@pytest.fixture
def local_media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.mark.django_db
def test_local_files_live_under_the_schema_prefix(local_media: Path) -> None:
    with schema_context("wanzhou"):
        name = default_storage.save("uploads/处罚.csv", ContentFile("行政处罚".encode()))

    assert name == "uploads/处罚.csv"
    assert (local_media / "wanzhou" / "uploads" / "处罚.csv").read_bytes() == "行政处罚".encode()
    with schema_context("kaizhou"):
        assert default_storage.exists(name) is False


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../kaizhou/secret.csv", "/../../etc/passwd", "a/../../b"])
def test_names_that_leave_the_schema_are_refused(local_media: Path, name: str) -> None:
    with schema_context("wanzhou"), pytest.raises(SuspiciousFileOperation):
        default_storage.save(name, ContentFile(b"x"))


@pytest.mark.django_db
def test_a_signed_local_link_works_only_on_its_own_district(local_media: Path) -> None:
    with schema_context("wanzhou"):
        name = default_storage.save("reports/r.pdf", ContentFile(b"%PDF-1.7 wanzhou"))
        url = default_storage.url(name)

    assert url.startswith("/files/")
    own = client_for("wanzhou.localhost").get(url)
    other = client_for("kaizhou.localhost").get(url)
    forged = client_for("wanzhou.localhost").get(url[:-3] + "xx/")

    assert own.status_code == 200
    assert b"".join(own.streaming_content) == b"%PDF-1.7 wanzhou"  # type: ignore[attr-defined]
    assert own["Content-Type"] == "application/pdf"
    assert other.status_code == 404
    assert forged.status_code == 404


@pytest.mark.django_db
def test_a_signed_local_link_expires(local_media: Path, settings: Any) -> None:
    with schema_context("wanzhou"):
        name = default_storage.save("reports/r.pdf", ContentFile(b"%PDF"))
        url = default_storage.url(name)
    settings.SIGNED_URL_MAX_AGE = -1

    assert client_for("wanzhou.localhost").get(url).status_code == 404


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = start_seaweedfs()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server: S3Server) -> Iterator[S3Server]:
    s3 = {
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": s3_server.url,
        "S3_ACCESS_KEY_ID": s3_server.access_key,
        "S3_SECRET_ACCESS_KEY": s3_server.secret_key,
        "S3_REGION": "us-east-1",
        "STORAGES": {
            "default": {"BACKEND": "core.storage.backends.TenantS3Storage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }
    with override_settings(**s3):
        s3_ensure_bucket()
        yield s3_server


def bucket_keys(server: S3Server) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
    )
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.django_db
def test_s3_keys_start_with_the_schema_and_districts_cannot_read_each_other(
    s3_storage: S3Server,
) -> None:
    with schema_context("wanzhou"):
        name = default_storage.save("uploads/万州处罚.csv", ContentFile("一行".encode()))
    with schema_context("kaizhou"):
        assert default_storage.exists(name) is False
        default_storage.save("uploads/开州.csv", ContentFile(b"k"))

    assert "wanzhou/uploads/万州处罚.csv" in bucket_keys(s3_storage)
    with schema_context("wanzhou"):
        assert default_storage.open(name).read() == "一行".encode()
    delete_schema_prefix("wanzhou")
    delete_schema_prefix("kaizhou")


@pytest.mark.django_db
def test_s3_presigned_links_download_over_http(s3_storage: S3Server) -> None:
    with schema_context("wanzhou"):
        name = default_storage.save("reports/报告.pdf", ContentFile(b"%PDF-1.7 s3"))
        url = default_storage.url(name)

    assert url.startswith(s3_storage.url + f"/{BUCKET}/wanzhou/reports/")
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"%PDF-1.7 s3"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), timeout=5)
    assert caught.value.code == 403
    delete_schema_prefix("wanzhou")


@pytest.mark.django_db
def test_s3_rejects_a_wrong_secret(s3_server: S3Server) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=s3_server.url,
        aws_access_key_id=s3_server.access_key,
        aws_secret_access_key="wrong-secret",
        region_name="us-east-1",
    )

    with pytest.raises(ClientError) as caught:
        client.list_objects_v2(Bucket=BUCKET)

    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


@pytest.mark.django_db
def test_deleting_a_schema_prefix_removes_only_that_district(s3_storage: S3Server) -> None:
    for schema in ("wanzhou", "kaizhou"):
        with schema_context(schema):
            for i in range(3):
                default_storage.save(f"exports/{i}.csv", ContentFile(b"x"))

    deleted = delete_schema_prefix("wanzhou")

    assert deleted == 3
    keys = bucket_keys(s3_storage)
    assert [k for k in keys if k.startswith("wanzhou/")] == []
    assert [k for k in keys if k.startswith("kaizhou/exports/")] == [
        "kaizhou/exports/0.csv",
        "kaizhou/exports/1.csv",
        "kaizhou/exports/2.csv",
    ]
    delete_schema_prefix("kaizhou")
