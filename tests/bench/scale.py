"""A district at scale for benchmarks: 100,000 subjects and 1,000,000 records (sizes from
BENCH_SCORING_SUBJECTS / BENCH_SCORING_RECORDS) generated in SQL in the wanzhou schema, with 20
departments, removed again afterwards."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.common.tenancy import use_public_schema

SUBJECTS = int(os.environ.get("BENCH_SCORING_SUBJECTS", "100000"))
RECORDS = int(os.environ.get("BENCH_SCORING_RECORDS", "1000000"))

# kind, catalogue item, severity, share of records (per mille)
MIX = [
    ("penalty", "N03-02", "ordinary", 520),
    ("penalty", "N03-02", "minor", 80),
    ("penalty", "N03-02", "serious", 40),
    ("license", "N03-01", "ordinary", 250),
    ("red_list", "N10-02", "ordinary", 30),
    ("abnormal", "N05-01", "ordinary", 40),
    ("black_list", "N06-01", "serious", 5),
    ("court_enforcement", "N02-02", "serious", 5),
    ("commitment", "N08-01", "ordinary", 20),
    ("contract", "N07-01", "ordinary", 10),
]


def _generate(department_id: int) -> None:
    kinds = ", ".join(f"('{k}', '{i}', '{s}', {w})" for k, i, s, w in MIX)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO subjects_subject (kind, name, name_as_of, uscc, id_masked, id_cipher, created_at, updated_at) "
            "SELECT CASE WHEN n %% 10 = 0 THEN 'individual' ELSE 'legal' END, '重庆市万州区基准' || n || '有限公司', "
            "DATE '2020-01-01', 'B' || lpad(n::text, 17, '0'), '', '', now(), now() "
            "FROM generate_series(1, %s) n",
            [SUBJECTS],
        )
        cursor.execute(
            f"""
            WITH mix AS (SELECT * FROM (VALUES {kinds}) AS m(kind, item, severity, weight)),
            bands AS (SELECT kind, item, severity,
                             sum(weight) OVER (ORDER BY kind, severity) - weight AS lo,
                             sum(weight) OVER (ORDER BY kind, severity) AS hi FROM mix),
            subjects AS (SELECT min(id) AS first FROM subjects_subject),
            src AS (SELECT n, (hashint4(n) & 2147483647) %% 1000 AS pick,
                           (hashint4(n + 7) & 2147483647) %% 1600 AS age_days,
                           (hashint4(n + 13) & 2147483647) %% 100 AS fine
                    FROM generate_series(1, %s) n)
            INSERT INTO records_record (kind, catalog_item_id, subject_id, department_id, doc_number,
                authority_name, authority_code, decision_date, title, severity, sector, fine_wan,
                fields, content_hash, regime_code, published_by_rule, publicity_start, repair_from,
                publicity_end, supplied_on, supply_deadline, timely, file_sha256, created_by,
                created_at, updated_at, withdrawal_reason, repaired_at)
            SELECT b.kind, ci.id, (SELECT first FROM subjects) + (s.n::bigint * 7919) %% %s, %s + s.n %% 20,
                   '基准〔2026〕' || s.n || '号', '重庆市万州区市场监督管理局', '11500101MB0000000X',
                   CURRENT_DATE - s.age_days, CASE WHEN s.fine < 20 THEN '罚款：' ELSE '警告：' END || '基准',
                   b.severity, '', s.fine / 2.0, CASE WHEN b.kind = 'penalty' THEN jsonb_build_object('CF_WFXW', '违法行为类型' || (s.n %% 40)) ELSE '{{}}'::jsonb END, md5(s.n::text), '2023', true,
                   CURRENT_DATE - s.age_days, CURRENT_DATE - s.age_days + 365,
                   CURRENT_DATE - s.age_days + 1100, CURRENT_DATE, CURRENT_DATE, true, '', 'bench',
                   now(), now(), '', CASE WHEN s.n %% 50 = 0 THEN now() END
            FROM src s JOIN bands b ON s.pick >= b.lo AND s.pick < b.hi
            JOIN catalog_catalogitem ci ON ci.code = b.item
            """,  # noqa: S608
            [RECORDS, SUBJECTS, department_id],
        )
    # Outside a transaction: VACUUM sets the visibility map that index-only scans need (autovacuum
    # does the same on a live database).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE subjects_subject")
        cursor.execute("VACUUM ANALYZE records_record")


@contextmanager
def district_at_scale(django_db_blocker: Any) -> Iterator[None]:
    """Generate the data, run the body with the database unblocked in wanzhou, clean up."""
    with django_db_blocker.unblock(), schema_context("wanzhou"):
        departments = [
            Department.objects.create(code=f"11500101MB{n:07d}X", name=f"基准部门{n}")
            for n in range(20)
        ]
        started = time.perf_counter()
        _generate(departments[0].pk)
        print(
            f"\ngenerated {SUBJECTS:,} subjects, {RECORDS:,} records in {time.perf_counter() - started:.1f} s"
        )
        yield
    with django_db_blocker.unblock(), schema_context("wanzhou"):
        with connection.cursor() as cursor:
            for table in (
                "scoring_subjectscore",
                "records_record",
                "subjects_subject",
                "stats_recordcount",
            ):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        for one in departments:
            one.delete()
    use_public_schema()
