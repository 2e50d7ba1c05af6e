"""A batch 信用核查 of 1,000 subjects in a district of 100,000 subjects and 1,000,000 records (the
scoring benchmark's data, sizes from BENCH_SCORING_SUBJECTS / BENCH_SCORING_RECORDS): check_run
(parse, resolve, findings and measures, rows, query log, audit) and the 核查报告 PDF stored, end to
end, 5 runs. Goal (issue 23): ≤ 2 s. Also prints the plan of the records query.

Run: python3 dev.py bench -k discipline      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.common.actors import Actor
from core.discipline.enums import MatterCategory
from core.discipline.models import Check, CheckRow, Matter, MatterRule, MatterVersion
from core.discipline.services import CHECKED_KINDS, check_run, matter_register
from core.records.models import Record
from core.records.state import publishable_q
from core.reports.models import QueryLog
from core.reports.selectors import ReportSite
from core.subjects.models import Subject
from tests.bench.scale import district_at_scale
from tests.core.collection.files import uscc
from tests.support.servers import append_only_off

LINES = 1000
RUNS = 5
CLERK = Actor.system("bench")
SITE = ReportSite("信用万州", "https://wanzhou.localhost/reports/verify/")


@pytest.fixture(scope="module")
def batch(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Matter, list[str]]]:
    """A subsidy matter of a 财政局 and 1,000 subjects spread over the district, given valid
    统一社会信用代码 (the generator's codes are placeholders)."""
    with district_at_scale(django_db_blocker):
        ids = list(Subject.objects.order_by("id").values_list("id", flat=True))
        # A seeded random sample: an even stride would meet the generator's own stride (records go
        # to subject n * 7919 mod SUBJECTS), giving every sampled subject the same kind of record.
        ids = sorted(random.Random(23).sample(ids, min(LINES, len(ids))))
        codes = [uscc(900000 + n) for n in range(len(ids))]
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE subjects_subject SET uscc = %s WHERE id = %s",
                list(zip(codes, ids, strict=True)),
            )
        finance = Department.objects.create(code=uscc(7654001, head="11500101"), name="基准财政局")
        matter = matter_register(
            actor=CLERK, department=finance, name="专项资金补助（基准）",
            category=MatterCategory.SUBSIDY, legal_basis="《重庆市社会信用条例》第三十二条",
        )  # fmt: skip
        yield matter, codes
        with django_db_blocker.unblock(), schema_context("wanzhou"):
            with append_only_off():  # the query log is append-only
                QueryLog.objects.filter(report_number__startswith="HC").delete()
            CheckRow.objects.all().delete()
            Check.objects.all().delete()
            MatterRule.objects.filter(version__matter=matter).delete()
            MatterVersion.objects.filter(matter=matter).delete()
            matter.delete()
            finance.delete()


def test_a_batch_check_of_1000_subjects(
    batch: tuple[Matter, list[str]], settings: Any, tmp_path: Path
) -> None:
    from core.discipline.report import check_report_store

    settings.MEDIA_ROOT = str(tmp_path)
    matter, codes = batch
    with schema_context("wanzhou"):
        runs: list[tuple[float, float, float]] = []
        for _ in range(RUNS + 1):  # the first warms up (fonts, caches)
            started = time.perf_counter()
            check = check_run(
                actor=CLERK, department=matter.department, matter=matter, entries=codes
            )
            checked = time.perf_counter()
            stored = check_report_store(check, site=SITE, actor=CLERK)
            done = time.perf_counter()
            assert stored.stored_pdf
            assert check.checked_total == len(codes)
            runs.append((checked - started, done - checked, done - started))
        first, rest = runs[0], runs[1:]
        size = default_storage.size(stored.stored_pdf)
        print(f"\n{len(codes)} subjects, {check.hits} with findings, "
              f"{sum(len(r.findings) for r in check.rows.all())} findings; PDF {size / 1024:.0f} KiB")  # fmt: skip
        print(f"first run: check_run {first[0] * 1000:.0f} ms, PDF {first[1] * 1000:.0f} ms")
        for name, index in (("check_run", 0), ("核查报告 PDF stored", 1), ("end to end", 2)):
            times = sorted(r[index] for r in rest)
            print(f"{name:20} median {statistics.median(times) * 1000:7.0f} ms  "
                  f"max {times[-1] * 1000:7.0f} ms")  # fmt: skip

        ids = list(Subject.objects.filter(uscc__in=codes).values_list("id", flat=True))
        records = Record.objects.filter(subject_id__in=ids, kind__in=CHECKED_KINDS).filter(
            publishable_q(timezone.localdate())
        )
        plan = records.order_by("subject_id", "-decision_date", "id").explain(analyze=True)
        print(plan)
        if Record.objects.count() >= 1_000_000:  # a small table is read whole, rightly
            assert "record_subject_kind" in plan
        assert statistics.median(r[2] for r in rest) <= 2.0
