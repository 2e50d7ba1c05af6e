"""Department files for tests: real encodings, real spreadsheets, valid codes."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from core.collection.fields import PENALTY_FIELDS
from core.common.identifiers import org_code_check_character, uscc_check_character


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
