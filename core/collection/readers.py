"""Reading department files: CSV (UTF-8 with or without BOM, GBK/GB18030) and XLSX, streamed.

Every failure is an `ApplicationError` saying what is wrong with the file: wrong encoding, not a
spreadsheet, too large, a damaged or zip-bomb XLSX, an old .xls.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Iterator
from datetime import date, datetime, time
from typing import IO

from django.conf import settings

from core.collection.xlsx import xlsx_inspect, xlsx_workbook
from core.common.errors import ValidationFailed

SAMPLE_BYTES = 256 * 1024


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


def read_rows(stream: IO[bytes], filename: str) -> Generator[list[str], None, None]:
    """Yield the header row, then every data row, as lists of strings."""
    head = stream.read(8)
    stream.seek(0)
    lower = filename.lower()
    if head.startswith(b"PK"):
        yield from _xlsx_rows(stream)
    elif head.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        raise _file_error("不支持旧版Excel（.xls）文件：请在Excel中另存为.xlsx后上传")
    elif lower.endswith((".xlsx", ".xlsm")):
        raise _file_error("文件已损坏或不是有效的XLSX文件")
    else:
        yield from _csv_rows(stream)


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


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    with xlsx_workbook(stream) as workbook:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in row]


def check_upload(stream: IO[bytes]) -> None:
    """What can be refused before a file is stored: an XLSX (a zip archive) whose directory says
    it could expand beyond what is read safely (core/collection/xlsx.py). Reads no member."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK"):
        xlsx_inspect(stream)


def count_rows(stream: IO[bytes], filename: str) -> int:
    """Data rows in the file (for progress), cheaply: line count for CSV, sheet size for XLSX."""
    head = stream.read(8)
    stream.seek(0)
    try:
        if head.startswith(b"PK"):
            with xlsx_workbook(stream, data_only=False) as workbook:
                return max((workbook.worksheets[0].max_row or 1) - 1, 0)
        lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
        return max(lines - 1, 0)
    except ValidationFailed:
        raise  # a file refused unread (a zip bomb) is refused here already
    except Exception:  # counting is only for the progress bar; reading reports real problems
        return 0
    finally:
        stream.seek(0)
