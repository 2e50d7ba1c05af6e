"""Portal pages' server time with 1,000,000 records and 100,000 subjects in the district (the
scoring benchmark's data): the home page, search results (a narrow and a broad query) and a subject
page, 50 requests each through Django's handler (no network). Goal (issue 6): p95 ≤ 50 ms each.

Run: python3 dev.py bench -k portal      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from core.subjects.models import Subject
from tests.bench.scale import district_at_scale
from tests.conftest import client_for

RUNS = 50


@pytest.fixture(scope="module")
def district(django_db_setup: None, django_db_blocker: Any) -> Iterator[int]:
    """Yields the id of the subject with the most records."""
    with district_at_scale(django_db_blocker):
        yield Subject.objects.raw(
            "SELECT s.id FROM subjects_subject s JOIN records_record r ON r.subject_id = s.id "
            "WHERE s.kind <> 'natural' GROUP BY s.id ORDER BY count(*) DESC LIMIT 1"
        )[0].pk


def _p95(client: Client, path: str) -> tuple[float, float]:
    client.get(path)  # warm up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def test_portal_pages(district: int) -> None:
    client = client_for("wanzhou.localhost")
    pages = {
        "home": "/",
        "search, one company (基准12345)": "/search/?q=基准12345",
        "search, broad (万州 基准: every subject)": "/search/?q=万州+基准",
        # A code is POSTed (never in a URL); its result page is read by the token it redirects to.
        "search, exact code": client.post("/search/", {"q": f"B{12345:017d}"})["Location"],
        "subject page (its busiest subject)": f"/subjects/{district}/",
        "red list": "/lists/red/",
    }
    for name, path in pages.items():
        median, p95 = _p95(client, path)
        print(f"{name:45} median {median:6.1f} ms  p95 {p95:6.1f} ms")
