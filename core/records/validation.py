"""One validation for every way a record arrives (file upload, manual entry, API push).

`validate_row` turns a row of national-format values (keyed by unprefixed field code) into a
`RecordDraft` (core/records/drafts.py, which also seals people's identity numbers), or into the
list of everything wrong with it: field, label, value and reason. The row machinery (`_Row`: dates,
amounts, codes, every problem in field order) comes first, then each kind's rules (penalties,
licences, the JL_ lists and other records).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from core.common.errors import ValidationFailed
from core.common.identifiers import normalise, resident_id_problem, uscc_problem
from core.common.workdays import WorkdayCalendar
from core.publicity.enums import Sector
from core.publicity.rules import PublicityRules, add_months
from core.publicity.sectors import infer_sector
from core.records.drafts import KindFields, RecordDraft, seal
from core.records.enums import SectorSource
from core.records.fields import (
    DEFAULT_SEVERITY,
    FIELD_SETS,
    ID_TYPES,
    LICENSE_CATEGORIES,
    PENALTY_CATEGORIES,
    RECORD_KINDS,
    RESIDENT_ID_TYPES,
    SECTORS,
    SEVERITIES,
    SUBJECT_CATEGORIES,
    spec_for,
)

LONG_TERM = date(2099, 12, 31)  # 长期 (no end date)
LONG_TERM_VALUES = ("长期", "长期有效", "9999-12-31")  # a licence's 有效期至 meaning 长期
SERIOUS_PENALTIES = {
    "吊销许可证件",
    "责令关闭",
    "限制从业",
    "责令停产停业",
    "行政拘留",
    "限制开展生产经营活动",
}
MINOR_PENALTIES = {"警告", "通报批评"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
_CATEGORY_SPLIT = re.compile(r"[;；、,，/]")
ALIAS_FIELDS = {
    "XDR_GSZC": "gszc",
    "XDR_ZZJG": "zzjg",
    "XDR_SWDJ": "swdj",
    "XDR_SYDW": "sydw",
    "XDR_SHZZ": "shzz",
}

# 证件类型 values whose 证件号码 is a resident identity number (blank: most files leave it so).
ID_CARD_TYPES = {"", "身份证", *RESIDENT_ID_TYPES, *(ID_TYPES[name] for name in RESIDENT_ID_TYPES)}


@dataclass(frozen=True)
class Problem:
    field: str  # canonical code, e.g. "CF_WSH"; "" for the row as a whole
    label: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.label}（{self.field}）" if self.field else "本行"
        shown = f"“{self.value}”" if self.value else "空"
        return f"{where}：{self.message}（值为{shown}）"


_REQUIRED = {p: {s.code for s in specs if s.required} for p, specs in FIELD_SETS.items()}
_MAX_LENGTHS = {p: {s.code: s.max_length for s in specs} for p, specs in FIELD_SETS.items()}


@dataclass
class ValidationContext:
    """What validation needs besides the row: read once per batch."""

    department_code: str
    supplied_on: date
    deadline_working_days: int
    calendar: WorkdayCalendar
    rules: PublicityRules
    # False for an upstream platform's files: their rows name the bodies that supplied them
    # upstream, so the data source unit is not the uploading department.
    check_source: bool = True


def parse_date(raw: str) -> date | None:
    text = raw.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)  # the national format: the fast path
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time)
        except ValueError:
            continue
    return None


def _listed(values: Iterable[str], last: str) -> str:
    """A code table's values as a Chinese list: “甲”“乙”或“丙”."""
    quoted = [f"“{value}”" for value in values]
    return "".join(quoted[:-1]) + last + quoted[-1] if len(quoted) > 1 else "".join(quoted)


def _date_problem(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 8:
        return f"日期“{raw}”不存在"
    return "日期格式应为yyyy-MM-dd，如2026-03-15"


class _Row:
    def __init__(self, prefix: str, values: dict[str, str]) -> None:
        self.prefix = prefix
        self.values = {k: stripped for k, v in values.items() if v and (stripped := v.strip())}
        self.problems: list[Problem] = []

    def get(self, code: str) -> str:
        return self.values.get(code, "")

    def fail(self, code: str, message: str) -> None:
        spec = spec_for(self.prefix, code)
        self.problems.append(Problem(f"{self.prefix}_{code}", spec.label, self.get(code), message))

    def date(self, code: str) -> date | None:
        raw = self.get(code)
        if not raw:
            return None
        if self.prefix == "XK" and code == "YXQZI" and raw in LONG_TERM_VALUES:
            return LONG_TERM
        parsed = parse_date(raw)
        if parsed is None:
            self.fail(code, _date_problem(raw))
        return parsed

    def wan(self, code: str) -> Decimal | None:
        raw = self.get(code).replace(",", "")
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.fail(code, "金额应为以万元计的数字，如2000元填0.2")
            return None
        if not value.is_finite() or value < 0:
            self.fail(code, "金额不能为负数")
            return None
        if value.as_tuple().exponent < -6:  # type: ignore[operator]
            self.fail(code, "金额最多保留6位小数（万元）")
            return None
        if value >= Decimal("10") ** 10:
            self.fail(code, "金额过大，请确认单位为万元")
            return None
        return value

    def code(self, code: str) -> str:
        raw = normalise(self.get(code))
        if raw and (problem := uscc_problem(raw)) is not None:
            self.fail(code, problem.message)
        return raw


def validate_row(
    prefix: str, values: dict[str, str], ctx: ValidationContext
) -> RecordDraft | list[Problem]:
    """Check one national-format row; return the draft or every problem found."""
    row = _Row(prefix, values)
    present = row.values
    limits = _MAX_LENGTHS[prefix]
    if not _REQUIRED[prefix] <= present.keys() or any(
        len(v) > limits.get(k, len(v)) for k, v in present.items()
    ):
        for spec in FIELD_SETS[prefix]:  # in field order, every problem
            value = row.get(spec.code)
            if spec.required and not value:
                row.fail(spec.code, "必填项为空")
            elif len(value) > spec.max_length:
                row.fail(spec.code, f"长度超过{spec.max_length}字")

    subject_kind = SUBJECT_CATEGORIES.get(row.get("XDR_LB"))
    if row.get("XDR_LB") and subject_kind is None:
        row.fail("XDR_LB", f"应为{_listed(SUBJECT_CATEGORIES, '或')}")
    uscc = row.code("XDR_SHXYM") or None
    id_number = normalise(row.get("XDR_ZJHM")) or None
    if (
        id_number
        and normalise(row.get("XDR_ZJLX")) in ID_CARD_TYPES
        and (p := resident_id_problem(id_number))
    ):
        row.fail("XDR_ZJHM", p.message)
    if subject_kind == "legal" and not uscc:
        row.fail("XDR_SHXYM", "法人及非法人组织必须填写统一社会信用代码")
    if subject_kind == "individual" and not (uscc or id_number):
        row.fail("XDR_SHXYM", "个体工商户须填写统一社会信用代码或经营者证件号码")
    if subject_kind == "natural" and not id_number:
        row.fail("XDR_ZJHM", "自然人必须填写证件号码")
    if subject_kind == "natural":
        uscc = None

    decided = row.date("JDRQ")
    if decided and decided > ctx.supplied_on:
        row.fail("JDRQ", "决定日期晚于报送日期")
    source_code = row.code("SJLYDM" if prefix == "CF" else "LYDWDM")
    if source_code and ctx.check_source and source_code != ctx.department_code:
        row.fail(
            "SJLYDM" if prefix == "CF" else "LYDWDM",
            f"数据来源单位代码与上传部门（{ctx.department_code}）不符",
        )
    authority_code = row.code("CFJGDM" if prefix == "CF" else "XKJGDM")

    kind_part = {"CF": _penalty, "XK": _license, "JL": _generic}[prefix]
    draft = kind_part(row, ctx, decided)
    if row.problems or draft is None or decided is None or subject_kind is None:
        return row.problems
    aliases = {
        alias: normalise(row.get(code)) for code, alias in ALIAS_FIELDS.items() if row.get(code)
    }
    deadline = ctx.calendar.add_working_days(decided, ctx.deadline_working_days)
    fields = {f"{prefix}_{k}": v for k, v in sorted(present.items()) if v}
    return RecordDraft(
        subject_kind=subject_kind,
        subject_name=row.get("XDR_MC"),
        uscc=uscc,
        id_number=id_number,
        aliases=aliases,
        doc_number=row.get("WSH"),
        authority_name=row.get({"CF": "CFJG", "XK": "XKJG", "JL": "JG"}[prefix]),
        authority_code=authority_code,
        decision_date=decided,
        supplied_on=ctx.supplied_on,
        supply_deadline=deadline,
        timely=ctx.supplied_on <= deadline,
        fields=fields,
        sealed=seal(prefix, fields),
        **vars(draft),
    )


def _penalty(row: _Row, ctx: ValidationContext, decided: date | None) -> KindFields | None:
    categories = split_categories(row.get("CFLB"))
    unknown = [c for c in categories if c not in PENALTY_CATEGORIES]
    if unknown:
        row.fail("CFLB", f"处罚类别“{'、'.join(unknown)}”不在《行政处罚法》第九条所列类别中")
    fine = row.wan("NR_FK")
    row.wan("NR_WFFF")
    if (
        "罚款" in categories
        and fine is None
        and not any(p.field == "CF_NR_FK" for p in row.problems)
    ):
        row.fail("NR_FK", "处罚类别含“罚款”时必须填写罚款金额（万元）")
    valid_until = row.date("YXQ")
    if decided and valid_until and valid_until < decided:
        row.fail("YXQ", "处罚有效期早于处罚决定日期")
    requested_end = row.date("GSJZQ")
    stated = row.get("YZCD")
    if stated and stated not in SEVERITIES:
        row.fail("YZCD", f"严重程度应为{_listed(SEVERITIES, '或')}")
    sector = penalty_sector(row.get("HYLY"), row.get("YJ"), row.get("WFXW"), row.get("SY"))
    if sector is None:
        row.fail("HYLY", SECTOR_PROBLEM)
    if row.problems or decided is None or sector is None:
        return None
    severity = SEVERITIES.get(stated) or severity_by_categories(categories)
    try:
        window = ctx.rules.window(
            decision_date=decided,
            severity=severity,
            sector=sector[0],
            requested_end=requested_end,
        )
    except ValidationFailed as exc:
        row.fail("GSJZQ" if exc.field == "GSJZQ" else "CFLB", exc.message)
        return None
    return KindFields(
        kind="penalty",
        catalog_item_code="N03-02",
        title=f"{'、'.join(categories)}：{row.get('NR')}"[:300],
        severity=severity,
        sector=sector[0],
        fine_wan=fine,
        regime_code=window.regime_code,
        published_by_rule=window.published,
        publicity_start=window.start,
        repair_from=window.repair_from,
        publicity_end=window.end,
        sector_source=sector[1],
    )


SECTOR_PROBLEM = (
    "行业领域应为" + "".join(f"“{label}”" for label, value in SECTORS.items() if value)
    + f"或“{Sector.GENERAL.label}”"
)  # fmt: skip


_STATED, _INFERRED = SectorSource.COLUMN.value, SectorSource.INFERRED.value  # read once


def penalty_sector(stated: str, basis: str, conduct: str, facts: str) -> tuple[str, str] | None:
    """A penalty's field (领域) and who decided it (SectorSource): its 行业领域 column when that
    states one (None when it names no field), else inferred from its legal basis, its type of
    conduct and its facts (core/publicity/sectors.py)."""
    if stated:
        sector = SECTORS.get(stated)
        return None if sector is None else (sector, _STATED)
    return infer_sector(basis, conduct, facts).value, _INFERRED


def split_categories(raw: str) -> list[str]:
    """A 处罚类别 cell's categories (separated by ; ； 、 , ， or /)."""
    return [c.strip() for c in _CATEGORY_SPLIT.split(raw) if c.strip()]


def severity_by_categories(categories: list[str]) -> str:
    if any(c in SERIOUS_PENALTIES for c in categories):
        return "serious"
    if categories and all(c in MINOR_PENALTIES for c in categories):
        return "minor"
    return "ordinary"


def _license(row: _Row, ctx: ValidationContext, decided: date | None) -> KindFields | None:
    if row.get("XKLB") and row.get("XKLB") not in LICENSE_CATEGORIES:
        row.fail("XKLB", f"许可类别应为{_listed(LICENSE_CATEGORIES, '或')}")
    start = row.date("YXQZ")
    end = row.date("YXQZI")
    if start and end and end < start:
        row.fail("YXQZI", "有效期至早于有效期自")
    if row.problems or decided is None or end is None:
        return None
    # A licence is public while it is valid; there is nothing to repair.
    return KindFields(
        kind="license",
        catalog_item_code="N03-01",
        title=f"{row.get('XKLB')}：{row.get('XKWS')}"[:300],
        severity="ordinary",
        sector="",
        fine_wan=None,
        regime_code="license",
        published_by_rule=True,
        publicity_start=decided,
        repair_from=end,
        publicity_end=end,
    )


POSITIVE_YEARS = 36  # months a positive record stays public when it states no end


def _generic(row: _Row, ctx: ValidationContext, decided: date | None) -> KindFields | None:
    """Lists, enforcement, commitments, contracts, evaluations (the JL_ template). Negative kinds
    follow the publicity rules (a stated end may shorten them: a listing body may remove earlier);
    positive kinds are public until their stated end or for three years."""
    label = row.get("LX")
    known = RECORD_KINDS.get(label)
    if label and known is None:
        row.fail("LX", f"记录类别应为：{'、'.join(RECORD_KINDS)}")
    stated = row.get("YZCD")
    if stated and stated not in SEVERITIES:
        row.fail("YZCD", f"严重程度应为{_listed(SEVERITIES, '或')}")
    until = row.date("YXQZI")
    if decided and until and until < decided:
        row.fail("YXQZI", "有效期至早于认定日期")
    if row.problems or decided is None or known is None:
        return None
    kind, item, negative = known
    summary = f"{label}：{row.get('NR')}"
    if row.get("PJJG"):
        summary = f"{label}（{row.get('PJJG')}）：{row.get('NR')}"
    if not negative:
        end = until or add_months(decided, POSITIVE_YEARS)
        return KindFields(kind=kind, catalog_item_code=item, title=summary[:300], severity="ordinary",
                          sector="", fine_wan=None, regime_code="positive", published_by_rule=True,
                          publicity_start=decided, repair_from=end, publicity_end=end)  # fmt: skip
    severity = SEVERITIES.get(stated) or DEFAULT_SEVERITY[kind]
    window = ctx.rules.window(decision_date=decided, severity=severity)
    end = min(until, window.end) if until else window.end
    return KindFields(kind=kind, catalog_item_code=item, title=summary[:300], severity=severity, sector="",
                      fine_wan=None, regime_code=window.regime_code, published_by_rule=window.published,
                      publicity_start=decided, repair_from=window.repair_from, publicity_end=end)  # fmt: skip
