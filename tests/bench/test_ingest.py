"""Ingest a generated national-format penalty file end to end, against PostgreSQL COPY of the same
rows into a bare table (the floor), in the same run.

Rows: BENCH_INGEST_ROWS (default 1,000,000); 5 % are broken (bad check characters, impossible
dates, negative fines); realistic Chinese names; valid codes and legal representatives' identity
numbers (sealed on the way in); about 4 records per company.

Run: python3 dev.py bench -k ingest      (BENCH_INGEST_ROWS=100000 for a quicker run)
"""

from __future__ import annotations

import os
import random
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.common.identifiers import ID_CHECK, ID_WEIGHTS
from core.common.tenancy import use_public_schema
from core.records import fastpath, fastpath_sql
from core.records.fields import LICENSE_FIELDS
from core.records.models import Record
from core.scoring import services as scoring_services
from core.scoring.tasks import scores_refresh_task
from provisioning.demo import TRADES
from tests.core.collection.files import DEPARTMENT_CODE, LABELS, penalty, uscc
from tests.core.upstream.conftest import licence

ROWS = int(os.environ.get("BENCH_INGEST_ROWS", "1000000"))
PLACES = ["万州", "开州", "云阳", "奉节", "巫山", "巫溪", "忠县", "梁平", "城口", "丰都"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "个体工商户"]


def _file(path: Path, rows: int) -> None:
    rng = random.Random(7)
    codes = [*penalty(1), "FR_ZJLX", "FR_ZJHM"]
    with path.open("w", encoding="gbk", newline="") as out:
        out.write(",".join(LABELS[c] for c in codes) + "\n")
        for i in range(rows):
            company = i // 4 + 1
            name = _name(rng, company)
            row = penalty(
                company,
                XDR_MC=name,
                WSH=f"渝市监罚〔2026〕{i + 1}号",
                NR_FK=f"{rng.randint(1, 500) / 100}",
                FR_ZJLX="身份证",
                FR_ZJHM=_resident_id(company),
            )
            broken = rng.random()
            if broken < 0.02:
                row["XDR_SHXYM"] = uscc(company)[:17] + "Z"
            elif broken < 0.04:
                row["JDRQ"] = "2026-02-30"
            elif broken < 0.05:
                row["NR_FK"] = "-1"
            out.write(",".join(row[c] for c in codes) + "\n")


def _name(rng: random.Random, company: int) -> str:
    return f"重庆市{rng.choice(PLACES)}区{rng.choice(TRADES)}{company}{rng.choice(FORMS)}"


def _licence_file(path: Path, rows: int) -> None:
    """Licences as a department's file has them: a third 长期, 2 % bad check characters, 2 %
    impossible dates, a legal representative's number on every row."""
    rng = random.Random(11)
    codes = [*licence(1), "FR_ZJLX", "FR_ZJHM"]
    labels = {s.code: s.label for s in LICENSE_FIELDS}
    with path.open("w", encoding="gbk", newline="") as out:
        out.write(",".join(labels[c] for c in codes) + "\n")
        for i in range(rows):
            company = i // 4 + 1
            row = licence(company, XDR_MC=_name(rng, company), WSH=f"渝市监许〔2026〕{i + 1}号",
                          YXQZI=rng.choice(["2031-11-17", "2029-06-30", "长期"]),
                          FR_ZJLX="身份证", FR_ZJHM=_resident_id(company))  # fmt: skip
            broken = rng.random()
            if broken < 0.02:
                row["XDR_SHXYM"] = uscc(company)[:17] + "Z"
            elif broken < 0.04:
                row["JDRQ"] = "2026-02-30"
            out.write(",".join(row[c] for c in codes) + "\n")


def _resident_id(serial: int) -> str:
    """A valid 18-digit number (a legal representative's), one per company."""
    body = (
        f"500101{1960 + serial % 40}{serial % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    )
    total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


@pytest.fixture
def district(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, settings: Any
) -> Iterator[Department]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.COLLECTION_MAX_UPLOAD_BYTES = 1 << 30  # 1M rows are ~315 MB (uploads: 200 MB)
    with django_db_blocker.unblock(), schema_context("wanzhou"):
        department = Department.objects.create(code=DEPARTMENT_CODE, name="市场监管局")
        yield department
        _empty()
        CatalogSupply.objects.filter(department=department).delete()
        department.delete()
    use_public_schema()


def _empty() -> None:
    """What an ingest wrote, gone (audit entries stay: append-only; the database is dropped
    after the run), and vacuumed."""
    with connection.cursor() as cursor:
        for table in (
            "scoring_subjectscore",
            "stats_recordcount",
            "records_recordrevision",
            "records_record",
            "subjects_subjectname",
            "subjects_subjectalias",
            "subjects_subject",
            "collection_rejectedrow",
            "collection_uploadbatch",
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            # Dead rows and index entries gone too: the next run starts as on a fresh district
            # (a licence run after a 1,000,000-row one went 5,900 → 3,700 rows/s without this).
            cursor.execute(f"VACUUM ANALYZE {table}")


def _store_floor() -> float:
    """Seconds to insert the stored records once more, under new business keys, by one
    INSERT … SELECT: what the records table alone costs (its indexes, unique key, foreign keys
    and statistics trigger), with no validation, subjects, audit or Python at all."""
    columns = [f.column for f in Record._meta.concrete_fields if f.column != "id"]
    picked = ", ".join("doc_number || '/floor'" if c == "doc_number" else c for c in columns)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO records_record ({', '.join(columns)}) SELECT {picked} FROM records_record"  # noqa: S608
        )
    return time.perf_counter() - started


def _cpu_seconds() -> tuple[float, float]:
    """CPU used so far by this process and by its connection's PostgreSQL backend (a local
    server: its /proc entry)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return usage.ru_utime + usage.ru_stime, (int(fields[11]) + int(fields[12])) / ticks


def test_ingest_against_copy(
    district: Department, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "penalties.csv"
    started = time.perf_counter()
    _file(path, ROWS)
    print(
        f"\ngenerated {ROWS:,} rows ({path.stat().st_size / 1e6:.0f} MB GBK) in {time.perf_counter() - started:.1f} s"
    )

    # The floor: the file COPYed into a bare table (no keys, no indexes), written to the WAL like
    # the records are; and, for reference, into a temporary table (no WAL at all).
    floors: dict[str, float] = {}
    for kind in ("", "TEMP "):
        with connection.cursor() as cursor:
            columns = ", ".join(f"c{i} text" for i in range(19))
            cursor.execute(f"CREATE {kind}TABLE copy_floor ({columns})")
            started = time.perf_counter()
            with path.open("rb") as raw:
                cursor.cursor.copy_expert(
                    "COPY copy_floor FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'GBK')", raw
                )
            floors[kind] = time.perf_counter() - started
            cursor.execute("DROP TABLE copy_floor")
    copy_seconds = floors[""]

    # The rescore the batch queues runs as its own task after the batch is done (in production on
    # a worker, the results are downloadable before it starts): held here, and timed on its own.
    queued: list[tuple[list[int] | None, str]] = []
    monkeypatch.setattr(
        scoring_services, "_enqueue", lambda ids, reason: queued.append((ids, reason))
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = batch_create(actor=Actor.cli(), department=district, filename=path.name, content=handle,
                             size=path.stat().st_size)  # fmt: skip
    batch = batch_ingest(batch_id=batch.pk)
    ingest_seconds = time.perf_counter() - started
    cpu_python, cpu_postgres = (
        after - before for after, before in zip(_cpu_seconds(), cpu_before, strict=True)
    )
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    for ids, reason in queued:
        scores_refresh_task(ids, reason)
    rescore_seconds = time.perf_counter() - started
    store_seconds = _store_floor()

    accounted = batch.stored + batch.updated + batch.duplicate + batch.rejected
    print(f"COPY into a bare table:  {ROWS / copy_seconds:,.0f} rows/s ({copy_seconds:.1f} s)")
    print(f"  (into a temp table:    {ROWS / floors['TEMP ']:,.0f} rows/s)")
    print(f"ingest end to end:       {ROWS / ingest_seconds:,.0f} rows/s ({ingest_seconds:.1f} s)")
    print(f"ratio to COPY:           {copy_seconds / ingest_seconds:.3f}")
    print(f"stored {batch.stored:,}, rejected {batch.rejected:,}, duplicate {batch.duplicate:,}")
    print(f"peak RSS grew by {(rss_after - rss_before) / 1024:.0f} MB during ingest")
    print(f"CPU a row: this process {cpu_python / ROWS * 1e6:.0f} µs, "
          f"its PostgreSQL backend {cpu_postgres / ROWS * 1e6:.0f} µs")  # fmt: skip
    print(f"the rescore it queued:   {rescore_seconds:.1f} s ({len(queued)} task)")
    print(f"records alone (one INSERT … SELECT of the {batch.stored:,} stored rows under new keys): "
          f"{batch.stored / store_seconds:,.0f} rows/s, ratio to COPY {copy_seconds / ROWS * batch.stored / store_seconds:.3f}")  # fmt: skip
    assert accounted == ROWS
    assert len(queued) == 1
    assert batch.rejected > 0


def test_licence_ingest(
    district: Department, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Licence files (XK_) end to end, the fast path on and off in the same run.

    Rows: BENCH_LICENCE_ROWS (default 100,000)."""
    rows = int(os.environ.get("BENCH_LICENCE_ROWS", "100000"))
    CatalogSupply.objects.create(item=CatalogItem.objects.get(code="N03-01"), department=district)
    path = tmp_path / "licences.csv"
    _licence_file(path, rows)
    figures: dict[str, tuple[float, int, int, int]] = {}
    for label, kinds in (("fast path", fastpath_sql.KINDS), ("validate_row only", {})):
        # Replaced where FastPath.for_batch looks it up. No kinds: every row through Python.
        monkeypatch.setattr(fastpath, "KINDS", kinds)
        started = time.perf_counter()
        with path.open("rb") as handle:
            batch = batch_create(actor=Actor.cli(), department=district, filename=path.name,
                                 content=handle, size=path.stat().st_size)  # fmt: skip
        batch = batch_ingest(batch_id=batch.pk)
        seconds = time.perf_counter() - started
        figures[label] = (rows / seconds, batch.stored, batch.duplicate, batch.rejected)
        _empty()  # the next run starts from the same empty district
        print(f"\nlicences, {label}: {rows / seconds:,.0f} rows/s ({seconds:.1f} s); "
              f"stored {batch.stored:,}, duplicate {batch.duplicate:,}, rejected {batch.rejected:,}")  # fmt: skip
    # Both ways store and reject the very same rows.
    assert figures["fast path"][1:] == figures["validate_row only"][1:]
