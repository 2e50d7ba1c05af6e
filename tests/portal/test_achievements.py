"""成果展示's timeliness (issue 21): per month, over the 双公示 records whose supply deadline fell
in that month; a month with nothing due says so instead of showing a rate."""

from __future__ import annotations

from datetime import date

from django_tenants.utils import schema_context

from core.catalog.models import Department
from tests.conftest import client_for
from tests.core.collection.conftest import upload
from tests.core.collection.files import as_csv, penalty
from tests.support.clock import Clock
from tests.support.pages import TODAY


def test_timeliness_is_counted_over_what_fell_due_each_month(
    department: Department, clock: Clock
) -> None:
    with schema_context("wanzhou"):
        clock.move_to(date(2026, 10, 12))  # supplied on time (decided 10-09)
        upload(department, as_csv([penalty(1, JDRQ="2026-10-09", YXQ="2027-10-09")]))
        clock.move_to(TODAY)  # supplied late (decided 10-12, due within October)
        upload(department, as_csv([penalty(2, JDRQ="2026-10-12", YXQ="2027-10-12")]))
        # Decided long ago, loaded today: due in 2024, not in any month shown.
        upload(department, as_csv([penalty(3, JDRQ="2024-03-01", YXQ="2027-03-01")]))

    page = client_for("wanzhou.localhost").get("/achievements/").content.decode()

    assert "<h2>双公示报送及时率（按月）</h2>" in page
    assert "<tr><th>2026年10月</th><td>2条</td><td>1条</td><td>50.0%</td></tr>" in page
    assert '<tr><th>2026年11月</th><td colspan="3" class="muted">本期无应报送记录</td></tr>' in page
    assert '<tr><th>2025年12月</th><td colspan="3" class="muted">本期无应报送记录</td></tr>' in page
    assert page.index("2026年11月") < page.index("2026年10月")  # newest first
    assert "2024年3月" not in page
