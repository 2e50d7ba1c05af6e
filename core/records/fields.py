"""The national 双公示 field sets (DOMAIN.md §3) in the standard's order, their Chinese labels and
code tables. What departments write in their header rows (labels, 2016 codes) is recognised by
core/records/headers.py from the alias table beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from operator import itemgetter

from core.publicity.enums import Sector


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    WAN = "wan"  # money in 万元, a decimal
    CODE = "code"  # 统一社会信用代码


@dataclass(frozen=True)
class FieldSpec:
    code: str  # without prefix, e.g. "WSH"
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    max_length: int = 500


COMMON_SUBJECT = [
    FieldSpec("XDR_MC", "行政相对人名称", required=True, max_length=200),
    FieldSpec("XDR_LB", "行政相对人类别", required=True),
    FieldSpec("XDR_SHXYM", "统一社会信用代码", FieldType.CODE),
    FieldSpec("XDR_GSZC", "工商注册号", max_length=40),
    FieldSpec("XDR_ZZJG", "组织机构代码", max_length=40),
    FieldSpec("XDR_SWDJ", "税务登记号", max_length=40),
    FieldSpec("XDR_SYDW", "事业单位证书号", max_length=40),
    FieldSpec("XDR_SHZZ", "社会组织登记证号", max_length=40),
    FieldSpec("FRDB", "法定代表人", max_length=100),
    FieldSpec("FR_ZJLX", "法定代表人证件类型", max_length=40),
    FieldSpec("FR_ZJHM", "法定代表人证件号码", max_length=40),
    FieldSpec("XDR_ZJLX", "证件类型", max_length=40),
    FieldSpec("XDR_ZJHM", "证件号码", max_length=40),
]

LICENSE_FIELDS = [
    *COMMON_SUBJECT,
    FieldSpec("XKWS", "行政许可决定文书名称", required=True),
    FieldSpec("WSH", "行政许可决定文书号", required=True, max_length=128),
    FieldSpec("XKLB", "许可类别", required=True),
    FieldSpec("XKZS", "许可证书名称"),
    FieldSpec("XKBH", "许可编号", max_length=128),
    FieldSpec("NR", "许可内容", required=True, max_length=4000),
    FieldSpec("JDRQ", "许可决定日期", FieldType.DATE, required=True),
    FieldSpec("YXQZ", "有效期自", FieldType.DATE, required=True),
    FieldSpec("YXQZI", "有效期至", FieldType.DATE, required=True),
    FieldSpec("XKJG", "许可机关", required=True, max_length=200),
    FieldSpec("XKJGDM", "许可机关统一社会信用代码", FieldType.CODE, required=True),
    FieldSpec("ZT", "当前状态", required=True),
    FieldSpec("LYDW", "数据来源单位", required=True, max_length=200),
    FieldSpec("LYDWDM", "数据来源单位统一社会信用代码", FieldType.CODE, required=True),
    FieldSpec("BZ", "备注", max_length=2000),
]

PENALTY_FIELDS = [
    *COMMON_SUBJECT,
    FieldSpec("WSH", "行政处罚决定书文号", required=True, max_length=128),
    FieldSpec("WFXW", "违法行为类型", required=True),
    FieldSpec("SY", "违法事实", required=True, max_length=4000),
    FieldSpec("YJ", "处罚依据", required=True, max_length=2000),
    FieldSpec("CFLB", "处罚类别", required=True),
    FieldSpec("NR", "处罚内容", required=True, max_length=4000),
    FieldSpec("NR_FK", "罚款金额(万元)", FieldType.WAN),
    FieldSpec("NR_WFFF", "没收违法所得、没收非法财物的金额(万元)", FieldType.WAN),
    FieldSpec("NR_ZKDX", "暂扣或吊销证照名称及编号"),
    FieldSpec("JDRQ", "处罚决定日期", FieldType.DATE, required=True),
    FieldSpec("YXQ", "处罚有效期", FieldType.DATE, required=True),
    FieldSpec("GSJZQ", "公示截止期", FieldType.DATE),
    FieldSpec("CFJG", "处罚机关", required=True, max_length=200),
    FieldSpec("CFJGDM", "处罚机关统一社会信用代码", FieldType.CODE, required=True),
    FieldSpec("SJLY", "数据来源单位", required=True, max_length=200),
    FieldSpec("SJLYDM", "数据来源单位统一社会信用代码", FieldType.CODE, required=True),
    FieldSpec("BZ", "备注", max_length=2000),
    # Platform extension: the supplying department may state the severity (轻微/一般/严重).
    FieldSpec("YZCD", "严重程度"),
    # Platform extension: and the field (SECTORS), which sets the 2023 rules' minimum; when it
    # does not, validation infers it (core/publicity/sectors.py).
    FieldSpec("HYLY", "行业领域"),
]

# The platform's template for every other kind of record (no national exchange format exists for
# them): lists, enforcement, commitments, contracts, evaluations. 记录类别 says which kind.
RECORD_FIELDS = [
    *[
        s
        for s in COMMON_SUBJECT
        if s.code in ("XDR_MC", "XDR_LB", "XDR_SHXYM", "XDR_ZJLX", "XDR_ZJHM")
    ],
    FieldSpec("LX", "记录类别", required=True),
    FieldSpec("WSH", "认定文书号", required=True, max_length=128),
    FieldSpec("NR", "认定事由或内容", required=True, max_length=4000),
    FieldSpec("JDRQ", "认定日期", FieldType.DATE, required=True),
    FieldSpec("YXQZI", "有效期至", FieldType.DATE),
    FieldSpec("JG", "认定机关", required=True, max_length=200),
    FieldSpec("JGDM", "认定机关统一社会信用代码", FieldType.CODE, required=True),
    FieldSpec("PJJG", "评价结果"),
    FieldSpec("YZCD", "严重程度"),
    FieldSpec("SJLY", "数据来源单位", required=True, max_length=200),
    FieldSpec("SJLYDM", "数据来源单位统一社会信用代码", FieldType.CODE, required=True),
    FieldSpec("BZ", "备注", max_length=2000),
]

FIELD_SETS = {"XK": LICENSE_FIELDS, "CF": PENALTY_FIELDS, "JL": RECORD_FIELDS}

# 记录类别 → (record kind, catalogue item, negative?)
RECORD_KINDS = {
    "守信激励": ("red_list", "N10-02", False),
    "诚实守信荣誉": ("red_list", "N10-01", False),
    "严重失信主体名单": ("black_list", "N06-01", True),
    "经营异常名录": ("abnormal", "N05-01", True),
    "失信被执行人": ("court_enforcement", "N02-02", True),
    "信用承诺": ("commitment", "N08-01", False),
    "信用承诺履行情况": ("commitment_fulfilment", "N08-02", False),
    "合同履行": ("contract", "N07-01", False),
    "信用评价结果": ("evaluation", "N09-02", False),
}
# The severity a negative kind is judged by when the row does not state one.
DEFAULT_SEVERITY = {"black_list": "serious", "court_enforcement": "serious", "abnormal": "ordinary"}

# The platform's exports (core/upstream) add a column saying what a row is: a record to publish
# (add), or the withdrawal or repair of one already reported. Uploads store only additions.
ACTION_HEADER = "ACTION"
ACTIONS = {"add": "新增", "withdraw": "撤回", "repair": "信用修复"}

# Code tables (DOMAIN.md §3), in the standard's order (the console's entry form lists them so).
SUBJECT_CATEGORIES = {"法人及非法人组织": "legal", "自然人": "natural", "个体工商户": "individual"}
LICENSE_CATEGORIES = ("普通", "特许", "认可", "核准", "登记", "其他")
PENALTY_CATEGORIES = (
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
    "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他",
)  # fmt: skip
PENALTY_CATEGORY_SEPARATOR = "；"  # several categories in one 处罚类别 value
SEVERITIES = {"轻微": "minor", "一般": "ordinary", "严重": "serious"}
# 行业领域: 食品, 药品, 特种设备, 安全生产, 消防, 一般领域 → core.publicity.enums.Sector.
SECTORS = {str(label): str(value) for value, label in Sector.choices}
# 当前状态 of a licence. Uploads keep what older systems write there (not checked).
LICENSE_STATES = ("有效", "无效")
# 证件类型 and 法定代表人证件类型: the name a record stores → its code in the national list (files
# may carry either). The first two are resident identity cards, checked as GB 11643 numbers.
ID_TYPES = {
    "居民身份证": "111", "临时居民身份证": "112", "户口簿": "113", "军官证": "114", "居住证": "154",
    "普通护照": "414", "港澳居民来往内地通行证": "516", "台湾居民来往大陆通行证": "511",
    "外国人永久居留身份证": "553", "其他": "990",
}  # fmt: skip
RESIDENT_ID_TYPES = ("居民身份证", "临时居民身份证")


@dataclass(frozen=True)
class HeaderMap:
    prefix: str  # "XK", "CF" or "JL"
    columns: dict[int, str]  # column index → canonical code (unprefixed)
    ignored: list[str]  # legacy columns known to carry nothing we keep
    unknown: list[str]  # headers we could not place
    missing: list[FieldSpec]  # required fields with no column

    def values(self, cells: list[str]) -> dict[str, str]:
        """A row's cells by canonical code; a field given by several columns (the legacy file's
        two penalty-category columns) joins them with ";"."""
        if self._simple and len(cells) > self._last:
            return dict(zip(self._codes, self._pick(cells), strict=True))
        values: dict[str, str] = {}
        for index, code in self.columns.items():
            cell = cells[index] if index < len(cells) else ""
            values[code] = (
                f"{values[code]};{cell}" if code in values and cell else values.get(code) or cell
            )
        return values

    @cached_property
    def _codes(self) -> list[str]:
        return [self.columns[i] for i in sorted(self.columns)]

    @cached_property
    def _pick(self) -> Callable[[list[str]], tuple[str, ...]]:
        indices = sorted(self.columns)
        if len(indices) == 1:
            return lambda cells: (cells[indices[0]],)
        return itemgetter(*indices)

    @cached_property
    def _last(self) -> int:
        return max(self.columns, default=-1)

    @cached_property
    def _simple(self) -> bool:
        return bool(self.columns) and len(set(self.columns.values())) == len(self.columns)


def spec_for(prefix: str, code: str) -> FieldSpec:
    return next(s for s in FIELD_SETS[prefix] if s.code == code)
