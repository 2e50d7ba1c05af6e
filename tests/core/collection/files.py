"""Department files for tests: real encodings, real spreadsheets, valid codes."""

from __future__ import annotations

import csv
import io
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from core.common.identifiers import org_code_check_character, uscc_check_character
from core.records.fields import PENALTY_FIELDS


def uscc(serial: int, head: str = "91500101") -> str:
    """A valid code: `head` (authority, type, division), an organisation code with its own check
    digit, and the check character."""
    org = f"{serial:08d}"
    body = head + org + org_code_check_character(org)
    return body + uscc_check_character(body)


DEPARTMENT_CODE = uscc(1234567, head="11500101")  # 重庆市万州区市场监督管理局 (a state organ: 11)
AUTHORITY_CODE = DEPARTMENT_CODE


LABELS = {s.code: s.label for s in PENALTY_FIELDS}


def penalty(serial: int, **changes: str) -> dict[str, str]:
    row = {
        "XDR_MC": f"重庆市万州区第{serial}建设有限公司",
        "XDR_LB": "法人及非法人组织",
        "XDR_SHXYM": uscc(serial),
        "FRDB": "张三",
        "WSH": f"万州市监罚〔2026〕{serial}号",
        "WFXW": "未按规定公示年度报告",
        "SY": "经查，当事人未按规定报送年度报告。",
        "YJ": "《企业信息公示暂行条例》第十八条",
        "CFLB": "罚款",
        "NR": "罚款人民币贰仟元整",
        "NR_FK": "0.2",
        "JDRQ": "2026-11-20",
        "YXQ": "2027-11-20",
        "CFJG": "重庆市万州区市场监督管理局",
        "CFJGDM": AUTHORITY_CODE,
        "SJLY": "重庆市万州区市场监督管理局",
        "SJLYDM": DEPARTMENT_CODE,
    }
    row.update(changes)
    return row


def decided(days_ago: int = 7) -> dict[str, str]:
    """A penalty's decision `days_ago` days before the clock's day, in force for a year (the
    defaults above are this, seen from the tests' usual day, 2026-11-27)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return {"JDRQ": day.isoformat(), "YXQ": one_year_after(day).isoformat()}


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def as_csv(rows: list[dict[str, str]], *, headers: str = "label", encoding: str = "gbk") -> bytes:
    codes = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out)
    if headers == "label":
        writer.writerow([LABELS[c] for c in codes])
    else:
        writer.writerow([f"CF_{c}" for c in codes])
    for row in rows:
        writer.writerow([row.get(c, "") for c in codes])
    return out.getvalue().encode(encoding)


def as_xlsx(rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    codes = list(rows[0])
    sheet.append([f"CF_{c}" for c in codes])
    for row in rows:
        sheet.append([row.get(c, "") for c in codes])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def listing(serial: int, **changes: str) -> dict[str, str]:
    """A row of the platform's JL_ template (lists, enforcement, commitments …)."""
    row = {
        "XDR_MC": f"重庆市万州区第{serial}建设有限公司",
        "XDR_LB": "法人及非法人组织",
        "XDR_SHXYM": uscc(serial),
        "LX": "严重失信主体名单",
        "WSH": f"万州发改认〔2026〕{serial}号",
        "NR": "拒不履行法定义务，严重影响市场秩序",
        "JDRQ": "2026-06-01",
        "JG": "重庆市万州区发展和改革委员会",
        "JGDM": DEPARTMENT_CODE,
        "SJLY": "重庆市万州区发展和改革委员会",
        "SJLYDM": DEPARTMENT_CODE,
    }
    row.update(changes)
    return row


def as_record_csv(rows: list[dict[str, str]]) -> bytes:
    codes = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"JL_{c}" for c in codes])
    for row in rows:
        writer.writerow([row.get(c, "") for c in codes])
    return out.getvalue().encode("utf-8")


# Zip archives that no spreadsheet looks like (tests/core/collection/test_xlsx.py and
# tests/security/test_xlsx_bombs.py).
MB = 1024 * 1024
THEME = "xl/theme/theme1.xml"


def workbook(
    *, skip: tuple[str, ...] = (), extra: Callable[[zipfile.ZipFile], None] | None = None
) -> bytes:
    """A real one-row workbook (openpyxl's), rewritten without `skip`, with `extra` added."""
    source = zipfile.ZipFile(io.BytesIO(as_xlsx([penalty(1)])))
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate names some tests write
        for info in source.infolist():
            if info.filename not in skip:
                archive.writestr(info.filename, source.read(info))
        if extra is not None:
            extra(archive)
    return out.getvalue()


def write_spaces(archive: zipfile.ZipFile, name: str, size: int) -> None:
    """A member of `size` spaces, written a MB at a time (deflate shrinks it about 1000×)."""
    with archive.open(name, "w", force_zip64=True) as member:
        for _ in range(size // MB):
            member.write(b" " * MB)


def central_entries(data: bytes) -> Iterator[tuple[int, str]]:
    """(offset, name) of each central-directory entry."""
    cd_size, cd_offset = struct.unpack_from("<LL", data, len(data) - 22 + 12)
    at = cd_offset
    while at < cd_offset + cd_size:
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, at + 28)
        yield at, data[at + 46 : at + 46 + name_len].decode()
        at += 46 + name_len + extra_len + comment_len


def patched(data: bytes, name: str, **fields: int) -> bytes:
    """`data` with fields of `name`'s central-directory entry changed (flags, size, offset)."""
    layout = {"flags": (8, "<H"), "file_size": (24, "<L"), "header_offset": (42, "<L")}
    out = bytearray(data)
    at = next(offset for offset, entry in central_entries(data) if entry == name)
    for field, value in fields.items():
        position, form = layout[field]
        struct.pack_into(form, out, at + position, value)
    return bytes(out)
