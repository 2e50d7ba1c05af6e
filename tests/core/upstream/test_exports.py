"""The national-format files: CSV, XLSX and JSON for a period, by change date."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.common.errors import PermissionDenied, ValidationFailed
from core.records.models import Record
from core.records.services import record_withdraw
from core.upstream.services import ExportFile, upstream_export
from tests.conftest import make_staff
from tests.core.collection.files import DEPARTMENT_CODE, penalty, uscc
from tests.core.upstream.conftest import at, licence, store

NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 27)}
PENALTY_HEADERS = [
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_GSZC", "CF_XDR_ZZJG", "CF_XDR_SWDJ",
    "CF_XDR_SYDW", "CF_XDR_SHZZ", "CF_FRDB", "CF_FR_ZJLX", "CF_FR_ZJHM", "CF_XDR_ZJLX",
    "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK",
    "CF_NR_WFFF", "CF_NR_ZKDX", "CF_JDRQ", "CF_YXQ", "CF_GSJZQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY",
    "CF_SJLYDM", "CF_BZ", "CF_YZCD", "CF_HYLY", "ACTION", "ACTION_DATE", "ACTION_REASON",
]  # fmt: skip
LICENCE_HEADERS = [
    "XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_XDR_GSZC", "XK_XDR_ZZJG", "XK_XDR_SWDJ",
    "XK_XDR_SYDW", "XK_XDR_SHZZ", "XK_FRDB", "XK_FR_ZJLX", "XK_FR_ZJHM", "XK_XDR_ZJLX",
    "XK_XDR_ZJHM", "XK_XKWS", "XK_WSH", "XK_XKLB", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_JDRQ",
    "XK_YXQZ", "XK_YXQZI", "XK_XKJG", "XK_XKJGDM", "XK_ZT", "XK_LYDW", "XK_LYDWDM", "XK_BZ",
    "ACTION", "ACTION_DATE", "ACTION_REASON",
]  # fmt: skip
MARKET = "重庆市万州区市场监督管理局"


def penalty_row(serial: int, nr: str, action: list[str]) -> list[str]:
    """penalty(serial) as exported: every national field in order, then the action columns."""
    return [
        f"重庆市万州区第{serial}建设有限公司", "法人及非法人组织", uscc(serial), "", "", "", "", "",
        "张三", "", "", "", "", f"万州市监罚〔2026〕{serial}号", "未按规定公示年度报告",
        "经查，当事人未按规定报送年度报告。", "《企业信息公示暂行条例》第十八条", "罚款", nr, "0.2",
        "", "", "2026-11-20", "2027-11-20", "", MARKET, DEPARTMENT_CODE, MARKET, DEPARTMENT_CODE,
        "", "", "", *action,
    ]  # fmt: skip


@pytest.fixture
def records(department: Department) -> list[Record]:
    """Penalty 1 (formula text in 处罚内容) stored on 20 Nov; penalty 2 stored then withdrawn on
    25 Nov; penalty 3 stored in October (outside November)."""
    stored = store(
        department,
        "CF",
        [penalty(1, NR='=HYPERLINK("http://x")'), penalty(2), penalty(3)],
        at(20),
    )
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    record_withdraw(
        record=stored[1], user=reviewer, reason="-行政复议决定撤销", revoked_on=date(2026, 11, 24)
    )
    Record.objects.filter(pk=stored[1].pk).update(withdrawn_at=at(25, 9))
    Record.objects.filter(pk=stored[2].pk).update(updated_at=at(10, month=10))
    return stored


def test_csv_is_the_national_format_with_a_bom_and_neutralised_formulas(
    records: list[Record], admin: User
) -> None:
    exported = upstream_export(actor=admin, fmt="csv-CF", **NOVEMBER)

    raw = exported.content.read()
    assert raw.startswith(codecs.BOM_UTF8)
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == [
        PENALTY_HEADERS,
        penalty_row(1, '\'=HYPERLINK("http://x")', ["add", "2026-11-20", ""]),
        penalty_row(2, "罚款人民币贰仟元整", ["withdraw", "2026-11-25", "'-行政复议决定撤销"]),
    ]
    assert (exported.name, exported.content_type) == (
        "upstream-CF-20261101-20261127.csv",
        "text/csv; charset=utf-8",
    )
    entry = AuditEntry.objects.get(action="upstream.export")
    assert (entry.actor_label, entry.details) == (
        "admin@wanzhou.test",
        {"format": "csv-CF", "start": "2026-11-01", "end": "2026-11-27", "rows": 2},
    )


def cells(exported: ExportFile) -> tuple[list[str], list[list[object]]]:
    book = load_workbook(io.BytesIO(exported.content.read()))
    (sheet,) = book.worksheets
    return book.sheetnames, [[v if v is not None else "" for v in row] for row in sheet.values]


def test_xlsx_holds_one_kind_with_formulas_kept_as_text(
    records: list[Record], department: Department, admin: User
) -> None:
    store(department, "XK", [licence(7)], at(26))

    licences = upstream_export(actor=admin, fmt="xlsx-XK", **NOVEMBER)
    penalties = upstream_export(actor=admin, fmt="xlsx-CF", **NOVEMBER)

    assert (licences.name, penalties.name) == (
        "upstream-XK-20261101-20261127.xlsx",
        "upstream-CF-20261101-20261127.xlsx",
    )
    assert cells(licences) == (["行政许可"], [
        LICENCE_HEADERS,
        [
            "重庆市万州区第7餐饮有限公司", "法人及非法人组织", uscc(7), "", "", "", "", "", "", "",
            "", "", "", "食品经营许可决定书", "万州市监许〔2026〕7号", "普通", "食品经营许可证",
            "JY15001010000007", "预包装食品销售", "2026-11-18", "2026-11-18", "2031-11-17", MARKET,
            DEPARTMENT_CODE, "有效", MARKET, DEPARTMENT_CODE, "", "add", "2026-11-26", "",
        ],
    ])  # fmt: skip
    penalties.content.seek(0)
    assert load_workbook(penalties.content).worksheets[0]["S2"].data_type == "s"  # not a formula
    penalties.content.seek(0)
    assert cells(penalties) == (["行政处罚"], [
        PENALTY_HEADERS,
        penalty_row(1, '\'=HYPERLINK("http://x")', ["add", "2026-11-20", ""]),
        penalty_row(2, "罚款人民币贰仟元整", ["withdraw", "2026-11-25", "'-行政复议决定撤销"]),
    ])  # fmt: skip


def test_json_carries_exact_values_and_the_action_of_each_record(
    records: list[Record], admin: User
) -> None:
    exported = upstream_export(actor=admin, fmt="json", **NOVEMBER)

    document: dict[str, Any] = json.loads(exported.content.read())
    exported_at = document.pop("exported_at")  # Beijing time, on the clock's day and hour
    assert (exported_at[:14], exported_at[-6:]) == ("2026-11-27T10:", "+08:00")
    assert {k: v for k, v in document.items() if k != "items"} == {
        "format": "shuanggongshi.v1",
        "district": {"name": "万州区", "region_code": "500101"},
        "period": {"basis": "change_date", "start": "2026-11-01", "end": "2026-11-27"},
    }
    first, second = document["items"]
    assert {k: v for k, v in first.items() if k != "fields"} == {
        "id": records[0].pk, "kind": "CF", "action": "add", "action_date": "2026-11-20",
        "reason": "",
    }  # fmt: skip
    assert list(first["fields"]) == PENALTY_HEADERS[:-3]
    assert first["fields"]["CF_NR"] == '=HYPERLINK("http://x")'
    assert first["fields"]["CF_NR_WFFF"] == ""
    assert {k: v for k, v in second.items() if k != "fields"} == {
        "id": records[1].pk, "kind": "CF", "action": "withdraw", "action_date": "2026-11-25",
        "reason": "-行政复议决定撤销",
    }  # fmt: skip


def test_repaired_records_are_reported_as_repairs_and_unpublished_ones_not_at_all(
    department: Department, admin: User
) -> None:
    repaired, expired, minor, public = store(
        department,
        "CF",
        [penalty(1), penalty(2), penalty(3, CFLB="警告", NR="警告", NR_FK=""), penalty(4)],
        at(20),
    )
    Record.objects.filter(pk=repaired.pk).update(repaired_at=at(26, 15))
    Record.objects.filter(pk=expired.pk).update(publicity_end=date(2026, 11, 26))

    exported = upstream_export(actor=admin, fmt="json", **NOVEMBER)

    items = json.loads(exported.content.read())["items"]
    assert [(i["id"], i["action"], i["action_date"]) for i in items] == [
        (public.pk, "add", "2026-11-20"),
        (repaired.pk, "repair", "2026-11-26"),
    ]
    assert Record.objects.get(pk=minor.pk).published_by_rule is False


def test_periods_and_formats_are_checked_and_only_admins_export(
    records: list[Record], admin: User
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"start": date(2026, 11, 2), "end": date(2026, 11, 1), "fmt": "json"}, "截止日期不能早于起始日期"),
        ({"start": date(2026, 11, 1), "end": date(2026, 11, 28), "fmt": "json"}, "截止日期不能晚于今天"),
        ({"start": date(2016, 1, 1), "end": date(2026, 11, 27), "fmt": "json"}, "一次最多选择10年，请缩小日期范围"),
        ({**NOVEMBER, "fmt": "pdf"}, "请选择导出格式：CSV、XLSX或JSON"),
    ]  # fmt: skip
    for arguments, message in cases:
        with pytest.raises(ValidationFailed) as caught:
            upstream_export(actor=admin, **arguments)
        assert caught.value.message == message

    clerk = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)
    with pytest.raises(PermissionDenied, match="此操作需要以下角色之一：区县管理员"):
        upstream_export(actor=clerk, fmt="json", **NOVEMBER)


def test_the_upstream_platform_gets_a_persons_number_itself(
    department: Department, admin: User
) -> None:
    person = penalty(1, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")
    stored = store(department, "CF", [person], at(20))

    exported = upstream_export(actor=admin, fmt="json", **NOVEMBER)

    (item,) = json.loads(exported.content.read())["items"]
    assert item["fields"]["CF_XDR_ZJHM"] == "11010519491231002X"
    assert stored[0].fields["CF_XDR_ZJHM"] == "1101**********002X"  # as kept
