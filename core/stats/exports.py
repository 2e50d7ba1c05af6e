"""The dashboard's tables as CSV or XLSX (Chinese headers; text that a spreadsheet would run as a
formula is written with a leading apostrophe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

from openpyxl import Workbook

from core.common.spreadsheets import neutralise
from core.stats import selectors
from core.stats.selectors import Filters

Table = tuple[str, list[str], list[list[object]]]


def tables(filters: Filters, today: date) -> dict[str, Table]:
    """name → (sheet title, headers, rows)."""
    return {
        "kind": ("按类别", ["类别", "记录数"], [[r.label, r.count] for r in selectors.by_kind(filters)]),
        "month": ("按月份", ["月份", "记录数"], [[r.label, r.count] for r in selectors.by_month(filters)]),
        "department": ("按部门", ["部门", "记录数"], [[r.label, r.count] for r in selectors.by_department(filters)]),
        "item": ("按信息项", ["信息项", "记录数"], [[r.label, r.count] for r in selectors.by_item(filters)]),
        "timeliness": (
            "报送及时率",
            ["部门", "双公示记录数", "7个工作日内报送", "及时率（%）"],
            [[t.department, t.records, t.timely, float(t.rate)] for t in selectors.timeliness(filters)],
        ),
        "violations": (
            "违法行为类型",
            ["违法行为类型", "处罚数", "罚款合计（万元）"],
            [[r.label, r.count, float(r.extra)] for r in selectors.top_violations(filters, limit=100)],
        ),
        "lists": ("红黑名单", ["名单", "公示中条数", "主体数"], [[r.label, r.count, r.extra] for r in selectors.list_sizes(today)]),
        "grades": ("评价等级", ["等级", "主体数"], [[r.label, r.count] for r in selectors.grade_distribution()]),
    }  # fmt: skip


def _cell(value: object) -> object:
    return neutralise(value) if isinstance(value, str) else value


def as_csv(table: Table) -> bytes:
    _, headers, rows = table
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")  # Excel reads the BOM as UTF-8


def as_xlsx(all_tables: dict[str, Table], describe: Callable[[], list[list[object]]]) -> bytes:
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "说明"
    for row in describe():
        about.append([_cell(v) for v in row])
    for title, headers, rows in all_tables.values():
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
