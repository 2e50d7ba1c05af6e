"""A file's column layout as decided (recognised, or mapped by the clerk), what the platform
derives for fields the file's format lacks, and the shaping of each row into its field set.

`Layout` says which column carries which field. `layout_problems` lists, in Chinese and naming
the columns, what stops a layout from being used: columns nobody has decided, two columns for one
field, a required field that neither a column nor a derivation supplies. `Shaper` turns a row's
cells into the field set's values in standard order (`FIELD_SETS[prefix]`), filling derived
fields and converting values, and says what it derived so that records and row results can show
what the department supplied and what the platform inferred.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

from core.common.identifiers import normalise, resident_id_problem, uscc_problem
from core.records.fields import FIELD_SETS, FieldSpec, HeaderMap, spec_for
from core.records.headers import (
    ACTION_CHECK,
    CHECK_PREFIX,
    IGNORE,
    REGION_CHECK,
    ColumnStatus,
    aliases,
    normal_header,
    recognise,
)
from core.records.validation import Problem

LONG_TERM_TEXT = "2099-12-31"  # the standard's way of writing 长期
# The 2016 licensing format's status codes (0 or blank = 正常).
LEGACY_STATUS = {"0": "正常", "1": "撤销", "2": "异议", "3": "其他"}

_AUTHORITY = {"XK": ("XKJG", "XKJGDM"), "CF": ("CFJG", "CFJGDM"), "JL": ("JG", "JGDM")}
_SOURCE = {"XK": ("LYDW", "LYDWDM"), "CF": ("SJLY", "SJLYDM"), "JL": ("SJLY", "SJLYDM")}
_SUBJECT_KIND_NOTE = "由统一社会信用代码或身份证号码推定"


def derivable(prefix: str) -> dict[str, str]:
    """The fields of `prefix` the platform fills when the file has no column for them, with how
    (in Chinese, as the mapping step, the row results and the record show it)."""
    authority, authority_code = _AUTHORITY[prefix]
    source, source_code = _SOURCE[prefix]
    rules = {
        "XDR_LB": _SUBJECT_KIND_NOTE,
        authority: "取上传部门名称",
        authority_code: "按机关名称从本区县部门名录查得",
        source: "取上传部门名称",
        source_code: "取上传部门的统一社会信用代码",
    }
    if prefix == "XK":
        rules |= {"YXQZ": "取许可决定日期", "ZT": "原格式无此项，记为“正常”"}
    if prefix == "CF":
        rules["YXQ"] = f"原格式无此项，按标准记为长期（{LONG_TERM_TEXT}）"
    return rules


@dataclass(frozen=True)
class Layout:
    """Which column carries what: a field code, IGNORE, or a check (`check:DFBM`); a column
    missing from `columns` is undecided. `yuan` holds money columns stated in 元."""

    prefix: str
    headers: tuple[str, ...]
    columns: Mapping[int, str]
    yuan: frozenset[int] = frozenset()

    @classmethod
    def recognised(cls, prefix: str, headers: list[str]) -> Layout:
        """The layout the alias table gives on its own (unknown and duplicate columns undecided,
        columns without a header ignored)."""
        columns: dict[int, str] = {}
        yuan = set()
        for column in recognise(headers, prefix):
            if column.status in (ColumnStatus.MATCHED, ColumnStatus.CONVERTED):
                columns[column.index] = column.code
                if column.status == ColumnStatus.CONVERTED:
                    yuan.add(column.index)
            elif column.status == ColumnStatus.CHECKED:
                columns[column.index] = CHECK_PREFIX + column.code
            elif column.status in (ColumnStatus.IGNORED, ColumnStatus.BLANK):
                columns[column.index] = IGNORE
        return cls(prefix, tuple(headers), columns, frozenset(yuan))

    def decided(self, decisions: Mapping[int, str]) -> Layout:
        """This layout with the clerk's (or a saved profile's) decisions on some columns."""
        columns = {**self.columns, **decisions}
        yuan = {i for i in self.yuan if self.columns.get(i) == columns.get(i)}
        return Layout(self.prefix, self.headers, columns, frozenset(yuan))

    def to_json(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "headers": list(self.headers),
            "columns": {str(i): target for i, target in sorted(self.columns.items())},
            "yuan": sorted(self.yuan),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Layout:
        return cls(
            data["prefix"],
            tuple(data["headers"]),
            {int(i): target for i, target in data["columns"].items()},
            frozenset(data.get("yuan", ())),
        )

    @property
    def undecided(self) -> list[int]:
        return [i for i in range(len(self.headers)) if i not in self.columns]

    def sources(self) -> dict[str, list[int]]:
        """Each field carried by the file, with its columns in file order."""
        found: dict[str, list[int]] = {}
        codes = {s.code for s in FIELD_SETS[self.prefix]}
        for index, target in sorted(self.columns.items()):
            if target in codes:
                found.setdefault(target, []).append(index)
        return found

    def check_column(self, check: str) -> int | None:
        return next((i for i, t in self.columns.items() if t == check), None)

    def derived(self) -> dict[str, str]:
        """What the platform derives or converts (field code → how, in Chinese): fields the file
        has no column for, money stated in 元, and the 2016 licensing format's status codes."""
        sources = self.sources()
        notes = {code: note for code, note in derivable(self.prefix).items() if code not in sources}
        for index in sorted(self.yuan):
            notes[self.columns[index]] = "由元换算为万元"
        if self.prefix == "XK" and "ZT" in sources:
            notes["ZT"] = "状态代码（0正常、1撤销、2异议、3其他）转换为文字，空白记为“正常”"
        return notes


def layout_problems(layout: Layout) -> list[str]:
    """What stops the layout from being used, in Chinese, each naming its columns."""
    problems = []
    headers = layout.headers
    undecided = layout.undecided
    recognised = recognise(list(headers), layout.prefix) if undecided else []
    for index in undecided:
        column = recognised[index]
        if column.status == ColumnStatus.DUPLICATE:
            problems.append(
                f"第{index + 1}列“{headers[index]}”{column.note}：同一字段只能取一列，"
                "请为其中一列选择“忽略此列”或改选其他字段"
            )
        elif column.status == ColumnStatus.BLANK:
            problems.append(f"第{index + 1}列没有表头但有数据：请选择它对应的字段，或忽略该列")
        else:
            problems.append(
                f"第{index + 1}列“{headers[index]}”未识别：请选择它对应的字段，或忽略该列"
            )
    joined = aliases().joined[layout.prefix]
    for code, indexes in layout.sources().items():
        if len(indexes) > 1 and code not in joined:
            named = "、".join(f"第{i + 1}列“{headers[i]}”" for i in indexes)
            label = spec_for(layout.prefix, code).label
            same = len({headers[i].strip() for i in indexes}) == 1
            why = "表头重复" if same else "对应同一字段"
            problems.append(f"{named}{why}（{label}）：请只保留一列，其余忽略")
    for index, target in layout.columns.items():
        codes = {s.code for s in FIELD_SETS[layout.prefix]}
        if target and not target.startswith(CHECK_PREFIX) and target not in codes:
            problems.append(f"第{index + 1}列“{headers[index]}”对应的字段代码“{target}”不存在")
    problems.extend(missing_problems(layout))
    return problems


def missing_problems(layout: Layout) -> list[str]:
    sources, rules = layout.sources(), derivable(layout.prefix)
    return [
        f"文件缺少必填字段“{spec.label}”（{layout.prefix}_{spec.code}），平台也无法推定：请在文件中补充该列"
        for spec in FIELD_SETS[layout.prefix]
        if spec.required and spec.code not in sources and spec.code not in rules
    ]


@dataclass(frozen=True)
class Origin:
    """What derivations know about where a file came from."""

    department_name: str
    department_code: str
    authorities: Mapping[str, str]  # the district's department directory: name → code
    region_code: str = ""


@dataclass
class Shaped:
    values: list[str]  # in FIELD_SETS[prefix] order
    derived: dict[str, str] = field(default_factory=dict)  # code → the value the platform put
    problems: list[Problem] = field(default_factory=list)
    underivable: set[str] = field(default_factory=set)  # derived fields left empty

    def as_dict(self, specs: list[FieldSpec]) -> dict[str, str]:
        return {s.code: v for s, v in zip(specs, self.values, strict=True)}


class Shaper:
    """Rows of one layout into field-set values, derived fields filled."""

    def __init__(self, layout: Layout, origin: Origin) -> None:
        self.layout, self.origin = layout, origin
        self.prefix = layout.prefix
        self.specs = FIELD_SETS[self.prefix]
        self.codes = [s.code for s in self.specs]
        sources = layout.sources()
        self._picks = [sources.get(code, []) for code in self.codes]
        self._at = {code: i for i, code in enumerate(self.codes)}
        self._derive = [code for code in derivable(self.prefix) if code not in sources]
        self._region_at = layout.check_column(REGION_CHECK)
        self.action_at = layout.check_column(ACTION_CHECK)
        self._yuan = {self._at[layout.columns[i]] for i in layout.yuan}
        self._status_at = self._at["ZT"] if self.prefix == "XK" and "ZT" in sources else None
        # Blank means 正常 in the 2016 format only (the 2021 standard requires the status).
        self._blank_status = self._status_at is not None and any(
            normal_header(layout.headers[i]) == "XK_ZT" for i in sources["ZT"]
        )
        self._single = all(len(p) <= 1 for p in self._picks)
        self._plain = self._single and not (
            self._derive or self._yuan or self._region_at is not None
        )
        self._pick = itemgetter(*[p[0] if p else -1 for p in self._picks])
        self._needed = max((p[0] for p in self._picks if p), default=-1) + 1

    def header_map(self) -> HeaderMap:
        """The shaped values' own layout (one column per field, in order) for the fast path."""
        return HeaderMap(
            prefix=self.prefix, columns=dict(enumerate(self.codes)), ignored=[], unknown=[],
            missing=[],
        )  # fmt: skip

    def shape(self, cells: list[str]) -> Shaped:
        width = len(cells)
        if self._single and width >= self._needed:
            # The common case, in C: one column or none per field ("" appended for none).
            cells.append("")
            values = list(self._pick(cells))
            cells.pop()
        else:
            values = [
                (cells[p[0]] if p[0] < width else "")
                if len(p) == 1
                else ";".join(cells[i].strip() for i in p if i < width and cells[i].strip())
                for p in self._picks
            ]
        shaped = Shaped(values)
        if self._plain and self._status_at is None:
            return shaped
        for at in self._yuan:
            self._to_wan(shaped, at)
        if self._status_at is not None:
            status = values[self._status_at].strip()
            if status in LEGACY_STATUS or (not status and self._blank_status):
                values[self._status_at] = LEGACY_STATUS.get(status, "正常")
                shaped.derived["ZT"] = values[self._status_at]
        for code in self._derive:
            value = self._derived_value(code, shaped)
            values[self._at[code]] = value
            if value:
                shaped.derived[code] = value
            else:
                shaped.underivable.add(code)
        if self._region_at is not None and self._region_at < width:
            self._check_region(cells[self._region_at].strip(), shaped)
        return shaped

    def _to_wan(self, shaped: Shaped, at: int) -> None:
        raw = shaped.values[at].strip().replace(",", "")
        if not raw:
            return
        try:
            wan = Decimal(raw) / 10000
        except InvalidOperation:
            return  # validation says what is wrong with it
        text = format(wan.normalize(), "f") if wan.is_finite() else raw
        shaped.values[at] = text
        shaped.derived[self.codes[at]] = text

    def _derived_value(self, code: str, shaped: Shaped) -> str:
        get = shaped.as_dict(self.specs).get
        authority, authority_code = _AUTHORITY[self.prefix]
        source, source_code = _SOURCE[self.prefix]
        if code == "XDR_LB":
            return _subject_kind(get("XDR_SHXYM", ""), get("XDR_ZJHM", ""))
        if code in (authority, source):
            return self.origin.department_name
        if code == source_code:
            return self.origin.department_code
        if code == authority_code:
            name = get(authority, "").strip()
            found = self.origin.authorities.get(name, "")
            if not found and name:
                shaped.problems.append(
                    Problem(
                        f"{self.prefix}_{code}",
                        spec_for(self.prefix, code).label,
                        "",
                        f"文件没有此列，且“{name}”不在本区县部门名录中，无法推定其统一社会信用代码："
                        "请在文件中补充该列，或在部门管理中登记该机关",
                    )
                )
            return found
        if code == "YXQZ":
            return get("JDRQ", "").strip()
        if code == "YXQ":
            return LONG_TERM_TEXT
        if code == "ZT":
            return "正常"
        raise KeyError(code)

    def _check_region(self, value: str, shaped: Shaped) -> None:
        region = self.origin.region_code
        if value and region and value != region:
            shaped.problems.append(
                Problem("DFBM", "地方编码", value, f"与本区县行政区划代码（{region}）不符")
            )

    def explain_underivable(self, problems: list[Problem], shaped: Shaped) -> list[Problem]:
        """Validation's problems for a shaped row, with "required, empty" on a field the file has
        no column for replaced by why the platform could not derive it."""
        explained = list(shaped.problems)
        derived_missing = {f"{self.prefix}_{code}" for code in shaped.underivable}
        said = {p.field for p in shaped.problems}
        for problem in problems:
            if problem.field in derived_missing and not problem.value:
                if problem.field in said:
                    continue
                if problem.field.endswith("_XDR_LB"):
                    problem = Problem(
                        problem.field,
                        problem.label,
                        "",
                        f"文件没有此列，且无法{_SUBJECT_KIND_NOTE}（代码和身份证号码均无效或为空）",
                    )
            explained.append(problem)
        return explained


def _subject_kind(code: str, id_number: str) -> str:
    uscc = normalise(code)
    if uscc and uscc_problem(uscc) is None:
        # Registration authority 9 (market regulation), type 2: an individual business.
        return "个体工商户" if uscc.startswith("92") else "法人及非法人组织"
    person = normalise(id_number)
    if person and resident_id_problem(person) is None:
        return "自然人"
    return ""
