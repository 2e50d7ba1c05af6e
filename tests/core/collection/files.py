"""Department files for tests: real encodings, real spreadsheets, valid codes."""

from __future__ import annotations

import csv
import io
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


# Department files as departments really send them (issue 20): the national templates' Chinese
# headers, title rows above them, the 2016 field codes.


@dataclass(frozen=True)
class Place:
    """Where a department's file comes from: the county its subjects and documents are named
    after, its region code (the 2016 formats' DFBM) and the deciding authority's name (which a
    district's department directory must hold for its code to be derived)."""

    area: str = "重庆市万州区"  # in the subjects' names
    short: str = "万州"  # in the document numbers
    region: str = "500101"
    authority: str = "重庆市万州区市场监督管理局"


WANZHOU = Place()
AUTHORITY = WANZHOU.authority

# The national 行政处罚 template's header row (2021 standard), in its order.
PENALTY_TEMPLATE = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)",
    "行政相对人代码_4(税务登记号)", "行政相对人代码_5(事业单位证书号)",
    "行政相对人代码_6(社会组织登记证号)", "法定代表人", "法定代表人证件类型", "法定代表人证件号码",
    "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别",
    "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关",
    "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]  # fmt: skip


def template_row(serial: int, *, place: Place = WANZHOU) -> list[str]:
    """A row of the national 行政处罚 template, the authority also the source department."""
    authority = place.authority
    return [
        f"{place.area}第{serial}商贸有限公司", "法人及非法人组织", uscc(serial),
        "", "", "", "", "", "李四", "", "", "", "", f"{place.short}市监罚〔2026〕{serial}号",
        "未按规定标明价格", "经查，当事人销售商品未明码标价。", "《中华人民共和国价格法》第十三条",
        "罚款", "罚款人民币伍仟元整", "0.5", "", "", "2026-11-20", "2027-11-20", "", authority,
        DEPARTMENT_CODE, authority, DEPARTMENT_CODE, "",
    ]  # fmt: skip


def template_rows(count: int, *, first: int = 1, place: Place = WANZHOU) -> list[list[str]]:
    return [template_row(serial, place=place) for serial in range(first, first + count)]


def template_csv(
    rows: int | list[list[str]], *, headers: list[str] = PENALTY_TEMPLATE, place: Place = WANZHOU
) -> bytes:
    """The template as Excel saves it as CSV (GBK): `rows` rows (serials from 1), or these rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(template_rows(rows, place=place) if isinstance(rows, int) else rows)
    return out.getvalue().encode("gbk")


def template_xlsx(rows: int | list[list[str]], *, place: Place = WANZHOU) -> bytes:
    """As a department fills the template in Excel: an instructions sheet first, then the data
    sheet (行政处罚) with a merged title row and a line of who filled it above the header row,
    whose required columns are starred: the header is on row 3, the first data row is row 4."""
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "填报说明"
    notes.append(["1. 日期格式为yyyy-mm-dd；2. 金额以万元计。"])
    sheet = book.create_sheet("行政处罚")
    sheet.append(["行政处罚信息报送表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PENALTY_TEMPLATE))
    sheet.append([f"填报单位：{place.authority}", None, None, "填报日期：2026-11-26"])
    sheet.append([f"{h}*" if i < 3 else h for i, h in enumerate(PENALTY_TEMPLATE)])
    for row in template_rows(rows, place=place) if isinstance(rows, int) else rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The 2016-era licensing format, as departments still export it: field codes, GBK.
LICENCE_2016 = "XK_WSH,XK_XMMC,XK_SPLB,XK_NR,XK_XDR,XK_XDR_SHXYM,XK_FR,XK_JDRQ,XK_JZQ,XK_XZJG,XK_ZT,DFBM,SJC,BZ"


def licence_2016(*rows: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LICENCE_2016.split(","))
    for row in rows:
        writer.writerow([row.get(code, "") for code in LICENCE_2016.split(",")])
    return out.getvalue().encode("gbk")


def licence(serial: int, *, place: Place = WANZHOU, **changes: str) -> dict[str, str]:
    """A row of the 2016 licensing format: its authority by name only, its region code."""
    row = {
        "XK_WSH": f"{place.short}市监许〔2016〕{serial}号",
        "XK_XMMC": "食品经营许可",
        "XK_SPLB": "普通",
        "XK_NR": "预包装食品销售",
        "XK_XDR": f"{place.area}第{serial}超市有限公司",
        "XK_XDR_SHXYM": uscc(serial),
        "XK_FR": "王五",
        "XK_JDRQ": "2026-11-02",
        "XK_JZQ": "2031-11-01",
        "XK_XZJG": place.authority,
        "XK_ZT": "0",
        "DFBM": place.region,
        "SJC": "2016-12-01 10:00:00",
        "BZ": "",
    }
    row.update(changes)
    return row


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
