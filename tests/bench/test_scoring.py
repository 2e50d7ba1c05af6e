"""Scoring and statistics at district scale: 100,000 subjects with 1,000,000 records (generated in SQL, with the
kinds, severities, ages and list memberships a district's data has), scored with the default
scorecard. Measures a full rescore (what publishing a version or the nightly run costs) and one
subject's incremental rescore (what follows an upload, a correction, a repair).

Goals (issue 4): full rescore ≤ 10 s; incremental ≤ 20 ms median; each statistics dashboard
query ≤ 100 ms (median of 20, the default twelve months and the whole period).
Run: python3 dev.py bench -k scoring      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone
from django_tenants.utils import schema_context

from core.scoring.models import SubjectScore
from core.scoring.services import scorecard_ensure_default, scores_refresh
from core.stats.models import RecordCount
from tests.bench.scale import SUBJECTS, district_at_scale


@pytest.fixture(scope="module")
def district(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with district_at_scale(django_db_blocker):
        yield


@pytest.fixture(autouse=True)
def in_wanzhou(district: None) -> Iterator[None]:
    with schema_context("wanzhou"):
        yield


def test_full_and_incremental_rescore() -> None:
    scorecard_ensure_default()
    today = timezone.localdate()

    runs = []
    for reason in ("first", "again, nothing changed"):
        started = time.perf_counter()
        changed = scores_refresh(reason=reason, today=today)
        runs.append(time.perf_counter() - started)
        print(f"full rescore ({reason}): {runs[-1]:.2f} s, {changed:,} scores written")

    ids = list(SubjectScore.objects.filter(is_current=True).values_list("subject_id", flat=True))
    sample = random.Random(3).sample(ids, 200)
    times = []
    for subject_id in sample:
        started = time.perf_counter()
        scores_refresh(subject_ids=[subject_id], reason="bench", today=today)
        times.append(time.perf_counter() - started)
    median, p95 = statistics.median(times), sorted(times)[int(len(times) * 0.95)]
    print(f"incremental, one subject: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    grades = dict(
        SubjectScore.objects.filter(is_current=True).values_list("grade").annotate(n=Count("id"))
    )
    print(f"grade distribution: {dict(sorted(grades.items()))}")
    assert SubjectScore.objects.filter(is_current=True).count() == SUBJECTS


def test_statistics_dashboard_queries() -> None:
    from core.stats import selectors
    from core.stats.selectors import Filters

    today = timezone.localdate()
    scorecard_ensure_default()
    scores_refresh(reason="bench", today=today)
    year = Filters.last_months(today)
    everything = Filters.last_months(today, months=60)
    queries: dict[str, Callable[[Filters], object]] = {
        "by kind": lambda f: selectors.by_kind(f),
        "by month": lambda f: selectors.by_month(f),
        "by catalogue item": lambda f: selectors.by_item(f),
        "timeliness by department": lambda f: selectors.timeliness(f),
        "top violation types": lambda f: selectors.top_violations(f),
        "totals": lambda f: selectors.totals(f),
        "red and black lists (today)": lambda f: selectors.list_sizes(today),
        "grade distribution": lambda f: selectors.grade_distribution(),
    }
    worst = 0.0
    for name, query in queries.items():
        for label, filters in (("12 months", year), ("60 months", everything)):
            times = []
            for _ in range(20):
                started = time.perf_counter()
                query(filters)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            worst = max(worst, median)
            print(f"{name:30} {label:10} median {median * 1000:6.1f} ms")
    print(f"aggregate rows: {RecordCount.objects.count():,}")
    assert worst > 0
