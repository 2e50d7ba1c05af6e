"""One district to an archive and back: its schema (every table, copied with PostgreSQL's COPY in
one consistent snapshot) and its files (everything under its storage prefix), restored into a new
district slug on the same platform version.

The archive is a gzip'd tar: `manifest.json` (format, district, migrations, each table's columns,
row count and SHA-256, each file's SHA-256), `tables/<table>.copy` (COPY binary format, columns
in the manifest's order) and `files/<name>`. A restore checks every checksum before it trusts a
byte and refuses an archive made by another set of migrations. Operator data kept about the
district in the public schema (billing, platform audit) is not part of it.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone

from core.common.actors import Actor
from core.common.errors import Conflict, ValidationFailed
from core.common.tenancy import use_public_schema
from core.stats.triggers import COUNTS_TABLE
from core.storage.archive import schema_file_names, schema_file_read, schema_file_write
from provisioning.services.cloning import identity_advance
from provisioning.services.onboarding import validate_domain, validate_slug
from provisioning.services.spares import clone_template
from provisioning.services.template import advisory_lock, applied_migrations, template_schema_name
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District, Domain

FORMAT = "credit-district-archive/1"
SKIPPED_TABLES = {"django_migrations"}  # compared, not copied: the target has its own
TRIGGER_WRITTEN = {COUNTS_TABLE}  # written by triggers as rows are loaded: restored after them


@dataclass(frozen=True)
class ArchiveSummary:
    slug: str
    tables: int
    rows: int
    files: int
    bytes: int
    seconds: float


def _tables(schema: str) -> list[tuple[str, list[str]]]:
    """Each base table of the schema with its stored columns in order (generated columns are
    computed again on restore)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position) "
            "FROM information_schema.columns c JOIN information_schema.tables t "
            "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER' "
            "GROUP BY c.table_name ORDER BY c.table_name",
            [schema],
        )
        return [
            (name, list(columns))
            for name, columns in cursor.fetchall()
            if name not in SKIPPED_TABLES
        ]


def _columns_sql(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of every table (REPEATABLE READ), unless the caller's transaction
    already decides the isolation level."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _add(archive: tarfile.TarFile, name: str, data: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = size, int(time.time())
    archive.addfile(info, data)


def district_export(*, district: District, out: Path, actor: Actor) -> ArchiveSummary:
    """Write `district`'s schema and files to the archive at `out`."""
    started = time.perf_counter()
    schema = district.schema_name
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "made_at": timezone.now().isoformat(),
        "district": {"slug": schema, "name": district.name, "region_code": district.region_code},
        "migrations": sorted(f"{app}.{name}" for app, name in applied_migrations(schema)),
        "tables": {},
        "files": {},
    }
    rows = 0
    with tarfile.open(out, "w:gz") as archive, _snapshot():
        for table, columns in _tables(schema):
            with tempfile.TemporaryFile() as spool, connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    f'COPY "{schema}"."{table}" ({_columns_sql(columns)}) TO STDOUT WITH (FORMAT binary)',
                    spool,
                )
                cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
                count = int(cursor.fetchone()[0])
                size = spool.tell()
                spool.seek(0)
                digest = hashlib.file_digest(spool, "sha256").hexdigest()
                spool.seek(0)
                _add(archive, f"tables/{table}.copy", spool, size)
            manifest["tables"][table] = {"columns": columns, "rows": count, "sha256": digest}
            rows += count
        for name in schema_file_names(schema):
            data = schema_file_read(schema, name)
            manifest["files"][name] = hashlib.sha256(data).hexdigest()
            _add(archive, f"files/{name}", io.BytesIO(data), len(data))
        body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        _add(archive, "manifest.json", io.BytesIO(body), len(body))
    platform_audit_record(actor=actor, action="district.export", district_schema=schema,
                          details={"tables": len(manifest["tables"]), "rows": rows,
                                   "files": len(manifest["files"]), "archive": out.name})  # fmt: skip
    return ArchiveSummary(slug=schema, tables=len(manifest["tables"]), rows=rows,
                          files=len(manifest["files"]), bytes=out.stat().st_size,
                          seconds=time.perf_counter() - started)  # fmt: skip


def _member(archive: tarfile.TarFile, name: str, sha256: str) -> bytes:
    try:
        handle = archive.extractfile(name)
    except KeyError:
        handle = None
    if handle is None:
        raise ValidationFailed(f"归档不完整：缺少 {name}", field="archive")
    data = handle.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValidationFailed(f"归档已损坏：{name} 的校验值不符", field="archive")
    return data


def _manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        handle = archive.extractfile("manifest.json")
        manifest = json.loads(handle.read()) if handle is not None else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValidationFailed(f"不是区县归档文件（应为 {FORMAT} 格式）", field="archive")
    return manifest


def _check_version(manifest: dict[str, Any]) -> None:
    here = {f"{app}.{name}" for app, name in applied_migrations(template_schema_name())}
    there = set(manifest["migrations"])
    if here != there:
        missing, extra = sorted(there - here)[:5], sorted(here - there)[:5]
        raise ValidationFailed(
            "归档与本平台的数据库版本不同，不能恢复：" + "；".join(
                part for part in (f"本平台缺少 {', '.join(missing)}" if missing else "",
                                  f"归档缺少 {', '.join(extra)}" if extra else "") if part
            ) + "。请在与归档相同版本的平台上恢复，再升级。",
            field="archive",
        )  # fmt: skip


def district_import(
    *, archive_path: Path, slug: str, domain: str, actor: Actor, region_code: str = ""
) -> ArchiveSummary:
    """Create district `slug` (reachable at `domain`) holding exactly the archive's data and files.
    The region code defaults to the archive's; a drill beside the live district needs another."""
    started = time.perf_counter()
    slug, domain = validate_slug(slug.strip()), validate_domain(domain.strip().lower())
    use_public_schema()
    try:
        archive = tarfile.open(archive_path, "r:gz")  # noqa: SIM115 (closed by the `with` below)
    except (OSError, tarfile.TarError):
        raise ValidationFailed("无法读取归档文件（应为 .tar.gz）", field="archive") from None
    with archive:
        manifest = _manifest(archive)
        _check_version(manifest)
        source = manifest["district"]
        code = region_code.strip() or source["region_code"]
        with advisory_lock("onboarding"), transaction.atomic():
            if District.objects.filter(schema_name__iexact=slug).exists():
                raise Conflict(f"标识“{slug}”已被占用", field="slug", code="SLUG_TAKEN")
            if Domain.objects.filter(domain=domain).exists():
                raise Conflict(
                    f"域名“{domain}”已被其他平台使用", field="domain", code="DOMAIN_TAKEN"
                )
            if (
                District.objects.filter(kind=DistrictKind.DISTRICT, region_code=code)
                .exclude(status=DistrictStatus.PURGED)
                .exists()
            ):
                raise Conflict(
                    f"行政区划代码“{code}”已有平台：恢复演练请另指定一个代码，或先删除原平台",
                    field="region_code", code="REGION_TAKEN",
                )  # fmt: skip
            # Restored beside the district it was taken from (still live): a drill, labelled so.
            drill = (
                District.objects.filter(kind=DistrictKind.DISTRICT, schema_name=source["slug"])
                .exclude(status=DistrictStatus.PURGED)
                .exists()
            )
            district = District.objects.create(schema_name=slug, kind=DistrictKind.DISTRICT,
                                               name=source["name"], region_code=code,
                                               restore_drill_on=timezone.localdate() if drill else None)  # fmt: skip
            Domain.objects.create(domain=domain, tenant=district, is_primary=True)
            clone_template(slug)
            rows = _load_tables(archive, manifest, slug)
            for name, sha256 in manifest["files"].items():
                schema_file_write(slug, name, _member(archive, f"files/{name}", sha256))
            platform_audit_record(actor=actor, action="district.restore", district_schema=slug,
                                  details={"from": source["slug"], "made_at": manifest["made_at"],
                                           "rows": rows, "files": len(manifest["files"]),
                                           "drill": drill})  # fmt: skip
    return ArchiveSummary(slug=slug, tables=len(manifest["tables"]), rows=rows,
                          files=len(manifest["files"]), bytes=archive_path.stat().st_size,
                          seconds=time.perf_counter() - started)  # fmt: skip


def _load_tables(archive: tarfile.TarFile, manifest: dict[str, Any], slug: str) -> int:
    """Empty the new schema's tables and copy the archive's rows in. The counters that triggers keep
    (`stats_recordcount`) are emptied again and copied last, after the rows whose triggers counted
    them: the archived counters are restored as they were. The append-only guards refuse only
    updates and deletes, so the triggers stay on (turning them off and on around the load is
    refused by Citus while the load's foreign-key checks are pending on the worker). Foreign keys
    are deferred (Django creates them DEFERRABLE INITIALLY DEFERRED), so the order of tables does
    not matter; they are all checked once the rows are in."""
    here = dict(_tables(slug))
    tables = manifest["tables"]
    if set(tables) != set(here):
        raise ValidationFailed("归档的数据表与本平台不一致，不能恢复", field="archive")
    rows = 0
    ordered = sorted(tables.items(), key=lambda item: item[0] in TRIGGER_WRITTEN)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{slug}"."{t}"' for t in here))
        for table, spec in ordered:
            if table in TRIGGER_WRITTEN:
                cursor.execute(f'TRUNCATE "{slug}"."{table}"')
            data = _member(archive, f"tables/{table}.copy", spec["sha256"])
            cursor.cursor.copy_expert(
                f'COPY "{slug}"."{table}" ({_columns_sql(spec["columns"])}) FROM STDIN WITH (FORMAT binary)',
                io.BytesIO(data),
            )
            rows += int(spec["rows"])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check every foreign key now
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "WHERE c.table_schema = %s "
            "AND pg_get_serial_sequence(format('%%I.%%I', c.table_schema, c.table_name), c.column_name) IS NOT NULL",
            [slug],
        )
        for table, column in cursor.fetchall():
            identity_advance(cursor, slug, table, column)
    return rows
