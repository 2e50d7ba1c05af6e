"""The national-format files: CSV and XLSX (one kind per file, like departments' files) and JSON.

Headers are the field codes of core.records.fields (prefixed, as the records keep them) plus
ACTION, ACTION_DATE and ACTION_REASON, so a file can be imported again by the collection pipeline
(which ignores the extra columns and takes only `add` rows). CSV is UTF-8 with a BOM; in CSV and
XLSX text a spreadsheet would run as a formula gets a leading apostrophe. Files are written to a
spooled temporary file as rows arrive, so memory stays flat whatever the period holds."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from openpyxl import Workbook

from core.common.spreadsheets import neutralise
from core.records.fields import ACTION_HEADER, FIELD_SETS
from core.upstream.selectors import ReportItem

ACTION_COLUMNS = [ACTION_HEADER, "ACTION_DATE", "ACTION_REASON"]
SHEET_TITLES = {"XK": "行政许可", "CF": "行政处罚"}
_SPOOL_BYTES = 8 * 1024 * 1024


def headers(prefix: str) -> list[str]:
    """A kind's columns: every national field code, then the action columns."""
    return [f"{prefix}_{s.code}" for s in FIELD_SETS[prefix]] + ACTION_COLUMNS


def _row(item: ReportItem) -> list[str]:
    cells = [*item.fields.values(), item.action.value, item.action_date.isoformat(), item.reason]
    return [neutralise(c) for c in cells]


def _spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, mode="w+b")  # noqa: SIM115


def write_csv(items: Iterable[ReportItem], prefix: str) -> IO[bytes]:
    """One kind's items as CSV (UTF-8 with BOM), rewound."""
    out = _spool()
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(headers(prefix))
    for item in items:
        if item.prefix == prefix:
            writer.writerow(_row(item))
    text.flush()
    text.detach()
    out.seek(0)
    return out


def write_xlsx(items: Iterable[ReportItem], prefix: str) -> IO[bytes]:
    """One kind's items on one sheet (a write-only workbook, rows streamed), rewound."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLES[prefix])
    sheet.append(headers(prefix))
    for item in items:
        if item.prefix == prefix:
            sheet.append(_row(item))
    out = _spool()
    book.save(out)
    out.seek(0)
    return out


def write_json(items: Iterable[ReportItem], envelope: dict[str, Any]) -> IO[bytes]:
    """`envelope` with an `items` list (each item as ReportItem.payload), UTF-8, rewound. Values
    are exact: JSON is read by programs, not spreadsheets."""
    out = _spool()
    # The envelope's object, left open for the items to be streamed into.
    head = json.dumps(envelope, ensure_ascii=False)[:-1]
    out.write((head + (", " if envelope else "") + '"items": [').encode())
    for index, chunk in enumerate(_item_texts(items)):
        out.write(((",\n" if index else "\n") + chunk).encode())
    out.write(b"\n]}")
    out.seek(0)
    return out


def _item_texts(items: Iterable[ReportItem]) -> Iterator[str]:
    for item in items:
        yield json.dumps(item.payload(), ensure_ascii=False)
