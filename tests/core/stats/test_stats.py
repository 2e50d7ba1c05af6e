"""The maintained counts stay exact through inserts, corrections, withdrawals and deletes, and the
dashboard's figures come out right."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.records.models import Record
from core.records.services import record_withdraw
from core.scoring.services import scores_refresh
from core.stats.models import RecordCount
from core.stats.selectors import (
    Filters,
    by_department,
    by_item,
    by_kind,
    by_month,
    grade_distribution,
    list_sizes,
    timeliness,
    top_violations,
    totals,
)
from tests.conftest import make_staff
from tests.core.collection.conftest import TODAY, district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import as_csv, as_record_csv, listing, penalty

YEAR = Filters.last_months(TODAY)


@pytest.fixture
def department(district: Department) -> Department:  # noqa: F811
    return district


def counted() -> dict[tuple[str, str, bool], tuple[int, int, Decimal]]:
    return {
        (f"{r.month:%Y-%m}", r.kind, r.withdrawn): (r.records, r.timely, r.fines_wan)
        for r in RecordCount.objects.exclude(records=0)
    }


def test_counts_follow_inserts_corrections_withdrawals_and_deletes(department: Department) -> None:
    upload(department, as_csv([penalty(1), penalty(2, JDRQ="2026-10-09", NR_FK="1.5")]))
    assert counted() == {
        ("2026-11", "penalty", False): (1, 1, Decimal("0.2")),
        ("2026-10", "penalty", False): (1, 0, Decimal("1.5")),  # supplied 2026-11-27: late
    }

    upload(department, as_csv([penalty(2, JDRQ="2026-11-25", NR_FK="1.5")]))  # a correction
    assert counted() == {("2026-11", "penalty", False): (2, 2, Decimal("1.7"))}

    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    record_withdraw(record=Record.objects.get(doc_number__endswith="1号"), user=reviewer,
                    reason="复议撤销", revoked_on=TODAY)  # fmt: skip
    assert counted() == {
        ("2026-11", "penalty", False): (1, 1, Decimal("1.5")),
        ("2026-11", "penalty", True): (1, 1, Decimal("0.2")),
    }

    Record.objects.all().delete()
    assert counted() == {}


def test_the_counts_equal_a_recount_of_the_records(department: Department) -> None:
    rows = [
        penalty(n, JDRQ=f"2026-{n % 9 + 1:02d}-1{n % 9}", WFXW=f"违法类型{n % 3}")
        for n in range(1, 40)
    ]
    upload(department, as_csv(rows))
    upload(department, as_csv(rows[:10]))  # duplicates change nothing

    assert RecordCount.objects.aggregate(n=Sum("records"))["n"] == Record.objects.count() == 39
    by_type = {r.label: r.count for r in top_violations(YEAR)}
    assert by_type == {"违法类型0": 13, "违法类型1": 13, "违法类型2": 13}


def test_the_dashboard_figures(department: Department) -> None:
    upload(
        department, as_csv([penalty(1), penalty(2, WSH="万州市监罚〔2026〕2号", JDRQ="2026-09-01")])
    )
    upload(
        department,
        as_record_csv(
            [
                listing(3),
                listing(4, LX="守信激励"),
                listing(4, LX="守信激励", WSH="万州表彰〔2026〕9号"),
            ]
        ),
        "名单.csv",
    )
    scores_refresh(reason="test", today=TODAY)

    assert [(r.label, r.count) for r in by_kind(YEAR)] == [
        ("行政处罚", 2),
        ("守信激励（红名单）", 2),
        ("严重失信主体名单", 1),
    ]
    months = by_month(YEAR)
    assert (months[0].label, months[-1].label, len(months)) == ("2025-12", "2026-11", 12)
    assert {m.label: m.count for m in months if m.count} == {
        "2026-06": 3,
        "2026-09": 1,
        "2026-11": 1,
    }
    assert [(r.label, r.count) for r in by_item(YEAR)][0] == ("N03-02 行政处罚信息", 2)
    assert [(r.label, r.count) for r in by_department(YEAR)] == [(department.name, 5)]
    (row,) = timeliness(YEAR)
    assert (row.department, row.records, row.timely, row.rate) == (
        department.name,
        2,
        1,
        Decimal("50.0"),
    )
    assert [(r.label, r.count, r.extra) for r in list_sizes(TODAY)] == [
        ("守信激励（红名单）", 2, "1个主体"),
        ("严重失信主体名单", 1, "1个主体"),
    ]
    grades = {r.label: r.count for r in grade_distribution()}
    assert grades == {"A 诚信优良": 1, "B 基本诚信": 2, "C 失信观察": 0, "D 严重失信": 1}
    assert totals(YEAR)["records"] == 5
    only_penalties = Filters(YEAR.start, YEAR.end, department.pk, "penalty")
    assert [r.count for r in by_kind(only_penalties)] == [2]
    assert totals(Filters(date(2026, 10, 1), date(2026, 11, 1)))["records"] == 1
