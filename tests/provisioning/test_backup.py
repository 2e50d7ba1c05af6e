"""A district exported to an archive and restored as a new district serves the same records and
the same files; a damaged archive, one from another platform version and a taken slug or region
are refused with the reason, and nothing is created."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.common.actors import Actor
from core.common.errors import ApplicationError
from core.records.models import Record
from core.subjects.models import Subject
from provisioning.services.backup import district_export, district_import
from tenants.models import District
from tests.core.collection.conftest import district, upload  # noqa: F401
from tests.core.collection.files import as_csv, penalty, uscc
from tests.core.storage.test_storage import bucket_keys, s3_server, s3_storage  # noqa: F401
from tests.support.servers import S3Server

OPS = Actor.system("tests")


def records_of(schema: str) -> list[tuple[Any, ...]]:
    with schema_context(schema):
        return list(Record.objects.order_by("id").values_list(
            "id", "kind", "doc_number", "subject__uscc", "subject__name", "fine_wan", "fields",
            "publicity_end", "content_hash"))  # fmt: skip


@pytest.fixture
def archived(
    district: Department,  # noqa: F811
    wanzhou: District,
    tmp_path: Path,
    settings: Any,
) -> Path:
    """万州 with two penalties from an uploaded file (kept in storage with its results file)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with schema_context("wanzhou"):
        upload(district, as_csv([penalty(1), penalty(2)]))
    out = tmp_path / "wanzhou.tar.gz"
    district_export(district=wanzhou, out=out, actor=OPS)
    return out


def test_a_restored_district_serves_the_same_records_and_files(archived: Path) -> None:
    # when
    call_command("district_archive", "restore", str(archived), "--slug", "wanzhou_drill",
                 "--domain", "drill.wanzhou.localhost", "--region-code", "500102")  # fmt: skip

    # then: the same rows, the same ids, the same files byte for byte
    assert records_of("wanzhou_drill") == records_of("wanzhou")
    assert len(records_of("wanzhou")) == 2
    with schema_context("wanzhou"):
        originals = {n: default_storage.open(n).read() for n in _all_files()}
    with schema_context("wanzhou_drill"):
        restored = {n: default_storage.open(n).read() for n in _all_files()}
    assert len(originals) >= 2  # the uploaded file and its results
    assert restored == originals

    # and the restored district answers on its own domain; new rows get fresh ids
    with schema_context("wanzhou_drill"):
        company = Subject.objects.get(uscc=uscc(1))
    page = Client(HTTP_HOST="drill.wanzhou.localhost").get(f"/subjects/{company.pk}/")
    assert page.status_code == 200
    assert "万州市监罚〔2026〕1号" in page.content.decode()
    with schema_context("wanzhou_drill"):
        created = Subject.objects.create(kind="legal", name="新设公司", uscc=uscc(3),
                                         name_as_of=company.name_as_of)  # fmt: skip
        assert created.pk > max(s.pk for s in Subject.objects.exclude(pk=created.pk))
    assert District.objects.get(schema_name="wanzhou_drill").name == "万州区"


def _all_files() -> list[str]:
    from core.common.tenancy import current_schema
    from core.storage.archive import schema_file_names

    return list(schema_file_names(current_schema()))


def test_a_damaged_archive_is_refused_and_nothing_is_created(
    archived: Path, tmp_path: Path
) -> None:
    with tarfile.open(archived, "r:gz") as source:
        members = [(m, source.extractfile(m)) for m in source.getmembers()]
        damaged = tmp_path / "damaged.tar.gz"
        with tarfile.open(damaged, "w:gz") as out:
            for member, handle in members:
                data = handle.read() if handle is not None else b""
                if member.name.startswith("tables/record"):
                    data = data[:-8] + b"\x00" * 8
                out.addfile(member, io.BytesIO(data))
    not_an_archive = tmp_path / "x.tar.gz"
    not_an_archive.write_bytes(gzip.compress(b"hello"))

    with pytest.raises(ApplicationError) as broken:
        district_import(archive_path=damaged, slug="wanzhou_drill", domain="drill.localhost",
                         region_code="500102", actor=OPS)  # fmt: skip
    with pytest.raises(CommandError, match="无法读取归档文件|不是区县归档文件"):
        call_command("district_archive", "restore", str(not_an_archive), "--slug", "x_drill",
                     "--domain", "x.localhost", "--region-code", "500102")  # fmt: skip

    assert broken.value.message.startswith("归档已损坏：tables/records_record.copy 的校验值不符")
    assert not District.objects.filter(schema_name__in=["wanzhou_drill", "x_drill"]).exists()


def test_a_taken_region_or_slug_is_refused(archived: Path) -> None:
    with pytest.raises(ApplicationError) as region:
        district_import(archive_path=archived, slug="wanzhou_drill", domain="drill.localhost",
                         actor=OPS)  # fmt: skip
    with pytest.raises(ApplicationError) as slug:
        district_import(archive_path=archived, slug="wanzhou", domain="drill.localhost",
                         region_code="500102", actor=OPS)  # fmt: skip

    assert (
        region.value.message
        == "行政区划代码“500101”已有平台：恢复演练请另指定一个代码，或先删除原平台"
    )
    assert slug.value.code == "SLUG_TAKEN"


def test_files_in_s3_are_archived_and_restored_under_the_new_prefix(
    s3_storage: S3Server,  # noqa: F811
    district: Department,  # noqa: F811
    wanzhou: District,
    tmp_path: Path,
) -> None:
    with schema_context("wanzhou"):
        upload(district, as_csv([penalty(1)]))
    out = tmp_path / "wanzhou.tar.gz"

    exported = district_export(district=wanzhou, out=out, actor=OPS)
    district_import(archive_path=out, slug="wanzhou_drill", domain="drill.localhost",
                     region_code="500102", actor=OPS)  # fmt: skip

    keys = bucket_keys(s3_storage)
    assert exported.files == len([k for k in keys if k.startswith("wanzhou/")]) >= 2
    assert sorted(k.removeprefix("wanzhou_drill/") for k in keys if k.startswith("wanzhou_drill/")) == sorted(
        k.removeprefix("wanzhou/") for k in keys if k.startswith("wanzhou/"))  # fmt: skip
    assert records_of("wanzhou_drill") == records_of("wanzhou")
