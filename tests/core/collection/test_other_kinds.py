from __future__ import annotations

from datetime import date

import pytest

from core.catalog.models import Department
from core.records.models import Record
from tests.core.collection.conftest import district, problems, upload  # noqa: F401  (fixture)
from tests.core.collection.files import as_record_csv, listing


@pytest.mark.parametrize(
    ("changes", "kind", "item", "window", "severity", "regime"),
    [
        ({}, "black_list", "N06-01", (date(2027, 6, 1), date(2029, 6, 1)), "serious", "2026"),
        ({"YXQZI": "2027-12-31"}, "black_list", "N06-01", (date(2027, 6, 1), date(2027, 12, 31)), "serious", "2026"),
        ({"LX": "经营异常名录"}, "abnormal", "N05-01", (date(2026, 9, 1), date(2027, 6, 1)), "ordinary", "2026"),
        ({"LX": "失信被执行人", "JDRQ": "2025-01-10"}, "court_enforcement", "N02-02",
         (date(2026, 1, 10), date(2028, 1, 10)), "serious", "2023"),
        ({"LX": "守信激励", "YXQZI": "2028-06-01"}, "red_list", "N10-02", (date(2028, 6, 1), date(2028, 6, 1)), "ordinary", "positive"),
        ({"LX": "信用评价结果", "PJJG": "A级"}, "evaluation", "N09-02", (date(2029, 6, 1), date(2029, 6, 1)), "ordinary", "positive"),
        ({"LX": "信用承诺"}, "commitment", "N08-01", (date(2029, 6, 1), date(2029, 6, 1)), "ordinary", "positive"),
    ],
)  # fmt: skip
def test_every_kind_gets_its_catalogue_item_and_window(
    district: Department,  # noqa: F811
    changes: dict[str, str],
    kind: str,
    item: str,
    window: tuple[date, date],
    severity: str,
    regime: str,
) -> None:
    batch = upload(district, as_record_csv([listing(1, **changes)]), "名单.csv")

    assert (batch.kind, batch.stored) == ("JL", 1), problems(batch)
    record = Record.objects.select_related("catalog_item").get()
    assert (record.kind, record.catalog_item.code, record.severity, record.regime_code) == (
        kind,
        item,
        severity,
        regime,
    )
    assert (record.repair_from, record.publicity_end) == window


def test_the_evaluation_result_is_in_the_summary(district: Department) -> None:  # noqa: F811
    upload(
        district,
        as_record_csv([listing(1, LX="信用评价结果", PJJG="A级", NR="2025年度纳税信用评价")]),
    )

    assert Record.objects.get().title == "信用评价结果（A级）：2025年度纳税信用评价"


def test_an_unknown_kind_is_refused_with_the_choices(district: Department) -> None:  # noqa: F811
    batch = upload(district, as_record_csv([listing(1, LX="黑名单")]))

    assert problems(batch) == {
        2: [
            "JL_LX: 记录类别应为：守信激励、诚实守信荣誉、严重失信主体名单、经营异常名录、失信被执行人、信用承诺、信用承诺履行情况、合同履行、信用评价结果"
        ]
    }
