"""Every entry of the alias table (core/records/header_aliases.toml) is recognised as written and
as departments really spell it: full- or half-width brackets, spaces and line breaks inside the
cell, a trailing * or （必填）, lower case."""

from __future__ import annotations

import tomllib

import pytest

from core.records.fields import FIELD_SETS
from core.records.headers import (
    ALIASES_FILE,
    CHECK_PREFIX,
    ColumnStatus,
    detect_kind,
    header_score,
    normal_header,
    recognise,
    resolve_headers,
)

TABLE = tomllib.loads(ALIASES_FILE.read_text(encoding="utf-8"))


def _entries() -> list[tuple[str, str, str]]:
    """(kind, header, target) for every entry: [common] once per kind that has the field."""
    entries = []
    for kind, specs in FIELD_SETS.items():
        codes = {s.code for s in specs}
        for header, target in TABLE["common"].items():
            if not target or target.startswith(CHECK_PREFIX) or target in codes:
                entries.append((kind, header, target))
        entries += [(kind, header, target) for header, target in TABLE[kind].items()]
    return entries


def _spellings(header: str) -> list[str]:
    """How the same header arrives from real files."""
    full = header.replace("(", "（").replace(")", "）").replace("_", "＿")
    return [
        header,
        full,
        f" {header} ",
        header[:2] + "\n" + header[2:],
        header[:1] + " " + header[1:],
        header + "*",
        "*" + header,
        header + "（必填）",
        full + "(必填)",
        header.lower(),
    ]


@pytest.mark.parametrize(("kind", "header", "target"), _entries())
def test_every_alias_is_recognised_however_it_is_spelled(
    kind: str, header: str, target: str
) -> None:
    for spelling in _spellings(header):
        (column,) = recognise([spelling], kind)
        if target == "":
            assert column.status == ColumnStatus.IGNORED, spelling
        elif target.startswith(CHECK_PREFIX):
            assert (column.status, column.code) == (
                ColumnStatus.CHECKED,
                target.removeprefix(CHECK_PREFIX),
            ), spelling
        else:
            assert (column.status, column.code) == (ColumnStatus.MATCHED, target), spelling


def test_every_alias_target_is_a_field_of_its_kind() -> None:
    for kind, _header, target in _entries():
        codes = {s.code for s in FIELD_SETS[kind]}
        assert not target or target.startswith(CHECK_PREFIX) or target in codes


def test_field_codes_are_recognised_with_or_without_their_prefix() -> None:
    for kind, specs in FIELD_SETS.items():
        for spec in specs:
            for header in (spec.code, f"{kind}_{spec.code}", f"{kind.lower()}_{spec.code.lower()}"):
                (column,) = recognise([header], kind)
                assert (column.status, column.code) == (ColumnStatus.MATCHED, spec.code)


def test_the_national_penalty_template_header_row() -> None:
    headers = [
        "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
        "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)",
        "行政相对人代码_5(事业单位证书号)", "行政相对人代码_6(社会组织登记证号)", "法定代表人",
        "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号",
        "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
        "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期",
        "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
        "数据来源单位统一社会信用代码", "备注",
    ]  # fmt: skip

    columns = recognise(headers, "CF")

    assert detect_kind(headers) == "CF"
    assert [c.code for c in columns] == [
        "XDR_MC", "XDR_LB", "XDR_SHXYM", "XDR_GSZC", "XDR_ZZJG", "XDR_SWDJ", "XDR_SYDW", "XDR_SHZZ",
        "FRDB", "FR_ZJLX", "FR_ZJHM", "XDR_ZJLX", "XDR_ZJHM", "WSH", "WFXW", "SY", "YJ", "CFLB",
        "NR", "NR_FK", "NR_WFFF", "NR_ZKDX", "JDRQ", "YXQ", "GSJZQ", "CFJG", "CFJGDM", "SJLY",
        "SJLYDM", "BZ",
    ]  # fmt: skip
    assert resolve_headers(headers, "CF").missing == []


def test_the_2016_licensing_codes_are_a_licensing_file_with_nothing_unknown() -> None:
    headers = "XK_WSH,XK_XMMC,XK_SPLB,XK_NR,XK_XDR,XK_XDR_SHXYM,XK_FR,XK_JDRQ,XK_JZQ,XK_XZJG,XK_ZT,DFBM,SJC,BZ"

    columns = recognise(headers.split(","), "XK")

    assert detect_kind(headers.split(",")) == "XK"
    assert [(c.status.value, c.code) for c in columns] == [
        ("matched", "WSH"), ("matched", "XKWS"), ("matched", "XKLB"), ("matched", "NR"),
        ("matched", "XDR_MC"), ("matched", "XDR_SHXYM"), ("matched", "FRDB"), ("matched", "JDRQ"),
        ("matched", "YXQZI"), ("matched", "XKJG"), ("matched", "ZT"), ("checked", "DFBM"),
        ("ignored", ""), ("matched", "BZ"),
    ]  # fmt: skip


def test_the_bracket_decides_between_the_2016_and_2021_numbering() -> None:
    columns = recognise(["行政相对人代码_2(组织机构代码)", "行政相对人代码_2（工商注册号）"], "XK")

    assert [c.code for c in columns] == ["XDR_ZZJG", "XDR_GSZC"]


def test_a_unit_or_format_hint_in_brackets_is_read_past() -> None:
    columns = recognise(
        ["处罚决定日期(yyyy-mm-dd)", "罚款金额（元）", "没收违法所得、没收非法财物的金额"], "CF"
    )

    assert [(c.status, c.code) for c in columns] == [
        (ColumnStatus.MATCHED, "JDRQ"),
        (ColumnStatus.CONVERTED, "NR_FK"),
        (ColumnStatus.MATCHED, "NR_WFFF"),
    ]
    assert columns[1].note == "罚款金额(万元)：文件以元计，导入时换算为万元（除以10000）"


def test_two_columns_for_one_field_are_reported_not_merged() -> None:
    columns = recognise(
        ["统一社会信用代码", "行政相对人名称", "行政相对人代码_1(统一社会信用代码)"], "CF"
    )

    assert columns[2].status == ColumnStatus.DUPLICATE
    assert columns[2].note == "与第1列“统一社会信用代码”对应同一字段“统一社会信用代码”"


def test_the_two_2016_category_columns_fill_one_field() -> None:
    columns = recognise(["CF_CFLB1", "CF_CFLB2"], "CF")

    assert [(c.status, c.code) for c in columns] == [(ColumnStatus.MATCHED, "CFLB")] * 2


def test_unknown_and_blank_headers_are_said_so() -> None:
    columns = recognise(["行政相对人名称", "经办人", ""], "CF")

    assert [(c.status, c.status_label, c.note) for c in columns[1:]] == [
        (ColumnStatus.UNKNOWN, "未识别", "不是本类数据的字段"),
        (ColumnStatus.BLANK, "无表头", "该列没有表头"),
    ]


def test_normal_header_folds_what_does_not_change_the_meaning() -> None:
    assert (
        normal_header(" 行政相对人代码＿1（统一社会信用代码）\n* ")
        == "行政相对人代码_1(统一社会信用代码)"
    )
    assert normal_header("xk_wsh（必填项）") == "XK_WSH"


def test_a_title_row_scores_nothing_and_a_kind_named_by_neither_is_none() -> None:
    assert header_score(["行政处罚信息报送表", "", ""]) == 0
    assert detect_kind(["行政相对人名称", "统一社会信用代码"]) is None
    assert detect_kind(["WFXW", "WSH"]) == "CF"
