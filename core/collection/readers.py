"""Reading department files: CSV (UTF-8 with or without BOM, GBK/GB18030) and XLSX, streamed;
the table found wherever its header row is (`read_head`: below a title row, on any worksheet).

Every failure is an `ApplicationError` saying what is wrong with the file: wrong encoding, not a
spreadsheet, too large, a damaged or zip-bomb XLSX, an old .xls.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from typing import IO

from django.conf import settings

from core.collection.xlsx import xlsx_inspect, xlsx_workbook
from core.common.errors import ValidationFailed
from core.records.headers import header_score

SAMPLE_BYTES = 256 * 1024
HEAD_SCAN_ROWS = 30  # a header row lower than this is not looked for
SAMPLE_ROWS = 5  # data rows shown in the mapping step


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="BAD_FILE", field="file")


def check_size(size: int) -> None:
    limit = settings.COLLECTION_MAX_UPLOAD_BYTES
    if size > limit:
        raise _file_error(
            f"文件大小{size / 1048576:.1f} MB超过上限{limit / 1048576:.0f} MB，请拆分后上传"
        )
    if size == 0:
        raise _file_error("文件为空")


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig for a BOM, utf-8 when the sample decodes as such, otherwise gb18030 (⊃ GBK)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            # A multi-byte character may be cut at the end of the sample: decode incrementally.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _file_error("无法识别文件编码：请另存为UTF-8或GBK编码的CSV，或上传XLSX")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_rows(
    stream: IO[bytes], filename: str, *, sheet: int = 0
) -> Generator[list[str], None, None]:
    """Yield every row of the file (of its `sheet`-th worksheet for an XLSX) as lists of strings."""
    head = stream.read(8)
    stream.seek(0)
    lower = filename.lower()
    if head.startswith(b"PK"):
        yield from _xlsx_rows(stream, sheet)
    elif head.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        raise _file_error("不支持旧版Excel（.xls）文件：请在Excel中另存为.xlsx后上传")
    elif lower.endswith((".xlsx", ".xlsm")):
        raise _file_error("文件已损坏或不是有效的XLSX文件")
    else:
        yield from _csv_rows(stream)


@dataclass(frozen=True)
class TableHead:
    """Where a file's table starts: the worksheet, its header row and the rows after it."""

    sheet: int  # worksheet index (0 for a CSV)
    sheet_name: str
    header_row: int  # spreadsheet row number, from 1
    headers: list[str]
    samples: list[list[str]]  # the first data rows, as read
    sheets: int  # worksheets in the file (1 for a CSV)


def read_head(stream: IO[bytes], filename: str) -> TableHead:
    """Find the header row: of the first HEAD_SCAN_ROWS rows of every worksheet, the row whose
    cells read as the most fields (title rows such as 行政处罚信息报送表 above it, merged cells and
    notes read as none); the first non-empty row of the first sheet when no row names a field.
    An XLSX is opened once for all its sheets."""
    sheets = _scans(stream, filename)
    best: tuple[int, int, int] | None = None  # score, sheet, row index
    fallback: tuple[int, int] | None = None
    for sheet, (_, scanned) in enumerate(sheets):
        for index, row in enumerate(scanned[:HEAD_SCAN_ROWS]):
            if fallback is None and any(c.strip() for c in row):
                fallback = (sheet, index)
            score = header_score(row)
            if score and (best is None or score > best[0]):
                best = (score, sheet, index)
    if best is not None:
        _, sheet, index = best
    elif fallback is not None:
        sheet, index = fallback
    else:
        raise _file_error("文件中没有数据：找不到表头行")
    name, scanned = sheets[sheet]
    samples = [r for r in scanned[index + 1 :] if any(c.strip() for c in r)][:SAMPLE_ROWS]
    headers = scanned[index]
    width = max([_width(headers), *(_width(r) for r in samples)])
    return TableHead(
        sheet=sheet,
        sheet_name=name,
        header_row=index + 1,
        headers=_padded(headers, width),
        samples=[_padded(r, width) for r in samples],
        sheets=len(sheets),
    )


def _padded(row: list[str], width: int) -> list[str]:
    return [*row[:width], *[""] * (width - len(row))]


def _width(row: list[str]) -> int:
    return next((i + 1 for i in range(len(row) - 1, -1, -1) if row[i].strip()), 0)


def _scans(stream: IO[bytes], filename: str) -> list[tuple[str, list[list[str]]]]:
    """The first rows of every worksheet (of the file, for a CSV), with the sheet's name."""
    scan = HEAD_SCAN_ROWS + SAMPLE_ROWS
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    try:
        if not head.startswith(b"PK"):
            with closing(read_rows(stream, filename)) as rows:
                return [("", list(islice(rows, scan)))]
        with xlsx_workbook(stream) as workbook:
            return [
                (
                    sheet.title,
                    [
                        [_cell_text(v) for v in row]
                        for row in sheet.iter_rows(max_row=scan, values_only=True)
                    ],
                )
                for sheet in workbook.worksheets
            ]
    finally:
        stream.seek(0)


def read_table(
    stream: IO[bytes], filename: str, *, sheet: int, header_row: int
) -> Generator[tuple[int, list[str]], None, None]:
    """The rows after the header row, with their spreadsheet row numbers."""
    rows = read_rows(stream, filename, sheet=sheet)
    try:
        yield from islice(enumerate(rows, start=1), header_row, None)
    finally:
        rows.close()


def _csv_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    if b"\x00" in sample:
        raise _file_error("文件不是文本格式的CSV，也不是XLSX")
    encoding = detect_encoding(sample)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    line = 0
    try:
        for line, row in enumerate(csv.reader(text), start=1):  # noqa: B007 (line used on error)
            yield row
    except UnicodeDecodeError as exc:
        raise _file_error(
            f"第{line + 1}行附近含有无法按{encoding.upper()}解码的字符，请检查文件编码"
        ) from exc
    except csv.Error as exc:
        raise _file_error(f"第{line + 1}行CSV格式错误：{exc}") from exc
    finally:
        text.detach()


def _xlsx_rows(stream: IO[bytes], sheet: int) -> Iterator[list[str]]:
    with xlsx_workbook(stream) as workbook:
        for row in workbook.worksheets[sheet].iter_rows(values_only=True):
            yield [_cell_text(v) for v in row]


def check_upload(stream: IO[bytes]) -> None:
    """What can be refused before a file is stored: an XLSX (a zip archive) whose directory says
    it could expand beyond what is read safely (core/collection/xlsx.py). Reads no member."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK"):
        xlsx_inspect(stream)


def count_rows(stream: IO[bytes], filename: str, *, sheet: int = 0, header_row: int = 1) -> int:
    """Data rows in the file (for progress), cheaply: line count for CSV, sheet size for XLSX."""
    head = stream.read(8)
    stream.seek(0)
    try:
        if head.startswith(b"PK"):
            with xlsx_workbook(stream, data_only=False) as workbook:
                return max((workbook.worksheets[sheet].max_row or 1) - header_row, 0)
        lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
        return max(lines - header_row, 0)
    except ValidationFailed:
        raise  # a file refused unread (a zip bomb) is refused here already
    except Exception:  # counting is only for the progress bar; reading reports real problems
        return 0
    finally:
        stream.seek(0)
