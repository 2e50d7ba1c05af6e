"""The per-call usage export (CSV and XLSX) for institutions and the operator: one row per ledger
entry of a month with the invoice line it fell on. Text cells are neutralised against spreadsheet
formulas (an idempotency key or a subject's name is the caller's text)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from billing.selectors import CallRow
from core.common.spreadsheets import neutralise

COLUMNS = [
    "时间（北京时间）", "区县", "合同编号", "产品", "类型", "幂等键", "查询主体",
    "数量", "金额（元，含税）", "账单编号", "账单行",
]  # fmt: skip


def _cells(row: CallRow) -> list[object]:
    line = (
        f"红字凭证 {row.credit_note}"
        if row.credit_note
        else ("" if row.invoice_line is None else str(row.invoice_line))
    )
    texts = [
        row.at.strftime("%Y-%m-%d %H:%M:%S"), row.district, row.contract, row.product, row.kind,
        row.idempotency_key, row.subject,
    ]  # fmt: skip
    return [
        *(neutralise(t) for t in texts),
        row.units,
        row.amount_yuan,
        neutralise(row.invoice_number),
        neutralise(line),
    ]


def usage_csv(rows: list[CallRow]) -> bytes:
    """UTF-8 with a byte-order mark (Excel opens it as Chinese), amounts with two places."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(_cells(row))
    return out.getvalue().encode("utf-8-sig")


def usage_xlsx(rows: list[CallRow]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "用量明细"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(_cells(row))
        sheet.cell(row=sheet.max_row, column=9).number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
