"""Recognising the header row of a department's file: which field each column carries.

What departments write is data, in `header_aliases.toml` beside this module (the national 2021
template labels, the 2016/2017 field codes and labels, common short forms); a field's own code is
recognised structurally (`CF_WSH` or `WSH`). Every column comes out with a status and a Chinese
note saying how it was read, so nothing is dropped unseen: a column that matches no field is
`UNKNOWN` and waits for the clerk (core/collection's mapping step).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from core.records.fields import ACTION_HEADER, FIELD_SETS, FieldType, HeaderMap, spec_for

ALIASES_FILE = Path(__file__).with_name("header_aliases.toml")
IGNORE = ""  # an alias target: a column known to carry nothing the platform keeps
CHECK_PREFIX = "check:"  # an alias target: a column the platform checks but does not store
REGION_CHECK = "check:DFBM"
ACTION_CHECK = "check:ACTION"

_MARKERS = re.compile(r"^\*+|\*+$|\((?:必填项?|选填|非必填|可选|可空)\)")
_TRAILING_BRACKET = re.compile(r"\(([^()]*)\)$")


class ColumnStatus(StrEnum):
    MATCHED = "matched"
    CONVERTED = "converted"  # matched; its values are converted (元 → 万元)
    IGNORED = "ignored"  # known, carries nothing kept
    CHECKED = "checked"  # checked (region code, an export's action), not stored
    UNKNOWN = "unknown"
    DUPLICATE = "duplicate"  # a second column for a field another column already fills
    BLANK = "blank"  # no header


STATUS_LABELS = {
    ColumnStatus.MATCHED: "已识别",
    ColumnStatus.CONVERTED: "已识别（换算）",
    ColumnStatus.IGNORED: "不导入",
    ColumnStatus.CHECKED: "仅核对",
    ColumnStatus.UNKNOWN: "未识别",
    ColumnStatus.DUPLICATE: "重复",
    ColumnStatus.BLANK: "无表头",
}
# What waits for the clerk.
OPEN_STATUSES = (ColumnStatus.UNKNOWN, ColumnStatus.DUPLICATE)


def normal_header(text: str) -> str:
    """A header as compared: half-width, no spaces or line breaks, no required-column marks
    (`*`, `（必填）`), upper case."""
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    previous = None
    while previous != folded:
        previous, folded = folded, _MARKERS.sub("", folded)
    return folded.upper()


@dataclass(frozen=True)
class Aliases:
    by_kind: dict[str, dict[str, str]]  # prefix → normal header → target
    joined: dict[str, frozenset[str]]  # prefix → fields several columns may fill together
    specific: dict[str, frozenset[str]]  # prefix → normal headers that name this kind only


@cache
def aliases() -> Aliases:
    """The alias table, read once: [common] applies to every kind whose field set has the field."""
    data = tomllib.loads(ALIASES_FILE.read_text(encoding="utf-8"))
    by_kind: dict[str, dict[str, str]] = {}
    for prefix, specs in FIELD_SETS.items():
        codes = {s.code for s in specs}
        table = {
            normal_header(alias): target
            for alias, target in data["common"].items()
            if not target or target.startswith(CHECK_PREFIX) or target in codes
        }
        table[ACTION_HEADER] = ACTION_CHECK
        table.update({normal_header(alias): target for alias, target in data[prefix].items()})
        by_kind[prefix] = table
    own = {
        prefix: {normal_header(a) for a in data[prefix]} | {s.code for s in specs}
        for prefix, specs in FIELD_SETS.items()
    }
    specific = {
        prefix: frozenset(
            headers - set().union(*(others for p, others in own.items() if p != prefix))
        )
        for prefix, headers in own.items()
    }
    joined = {prefix: frozenset(data["joined"].get(prefix, ())) for prefix in FIELD_SETS}
    return Aliases(by_kind, joined, specific)


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    status: ColumnStatus
    code: str = ""  # the field (unprefixed) for MATCHED and CONVERTED; the check for CHECKED
    note: str = ""  # how it was read, in Chinese

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _target(header: str, prefix: str) -> tuple[str | None, str]:
    """The alias target of a normalised header (None when unknown) and the unit its trailing
    bracket names, when the header was found only without that bracket."""
    table = aliases().by_kind[prefix]
    codes = {s.code for s in FIELD_SETS[prefix]}
    for candidate, unit in _candidates(header):
        if candidate in table:
            return table[candidate], unit
        if candidate.startswith(prefix + "_") and candidate[len(prefix) + 1 :] in codes:
            return candidate[len(prefix) + 1 :], unit
        if candidate in codes:
            return candidate, unit
    return None, ""


def _candidates(header: str) -> list[tuple[str, str]]:
    found = [(header, "")]
    if match := _TRAILING_BRACKET.search(header):
        found.append((header[: match.start()], match.group(1)))
    return found


def recognise(headers: list[str], prefix: str) -> list[Column]:
    """Every column of a header row, read as the field set `prefix` (XK, CF or JL)."""
    joined = aliases().joined[prefix]
    taken: dict[str, int] = {}
    columns = []
    for index, header in enumerate(headers):
        normal = normal_header(header)
        if not normal:
            columns.append(Column(index, header, ColumnStatus.BLANK, note="该列没有表头"))
            continue
        target, unit = _target(normal, prefix)
        if target is None:
            columns.append(Column(index, header, ColumnStatus.UNKNOWN, note="不是本类数据的字段"))
        elif target == IGNORE:
            note = "原格式的字段，现行标准中没有对应项，不导入"
            columns.append(Column(index, header, ColumnStatus.IGNORED, note=note))
        elif target.startswith(CHECK_PREFIX):
            check = target.removeprefix(CHECK_PREFIX)
            note = (
                "地方编码：逐行与本区县行政区划代码核对，不存储"
                if target == REGION_CHECK
                else "数据状态：只导入新增的行"
            )
            columns.append(Column(index, header, ColumnStatus.CHECKED, check, note))
        elif target in taken and target not in joined:
            first = headers[taken[target]]
            if normal_header(first) == normal:
                note = f"与第{taken[target] + 1}列表头相同"
            else:
                label = spec_for(prefix, target).label
                note = f"与第{taken[target] + 1}列“{first}”对应同一字段“{label}”"
            columns.append(Column(index, header, ColumnStatus.DUPLICATE, target, note))
        else:
            taken.setdefault(target, index)
            spec = spec_for(prefix, target)
            if spec.type == FieldType.WAN and unit == "元":
                note = f"{spec.label}：文件以元计，导入时换算为万元（除以10000）"
                columns.append(Column(index, header, ColumnStatus.CONVERTED, target, note))
            else:
                columns.append(Column(index, header, ColumnStatus.MATCHED, target, spec.label))
    return columns


def detect_kind(headers: list[str]) -> str | None:
    """XK, CF or JL: the kind whose own headers (its labels and codes, not the subject's shared
    ones) the row names most; None when no kind is named or two are named equally."""
    table = aliases()
    scores = dict.fromkeys(FIELD_SETS, 0)
    for header in headers:
        normal = normal_header(header)
        for prefix in FIELD_SETS:
            if normal in table.specific[prefix] or normal.startswith(prefix + "_"):
                scores[prefix] += 1
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    best, score = ranked[0]
    if score == 0 or score == ranked[1][1]:
        return None
    return best


def header_score(headers: list[str]) -> int:
    """How many cells of a row read as fields of the row's kind: the header row of a sheet is
    the row that scores highest (title rows and notes above it score 0 or 1)."""
    kind = detect_kind(headers)
    if kind is None:
        return 0
    return sum(
        c.status in (ColumnStatus.MATCHED, ColumnStatus.CONVERTED) for c in recognise(headers, kind)
    )


def resolve_headers(headers: list[str], prefix: str) -> HeaderMap:
    """The recognised columns of a header row as a HeaderMap (duplicates and unknown columns
    listed, not placed)."""
    columns, ignored, unknown = {}, [], []
    for column in recognise(headers, prefix):
        if column.status in (ColumnStatus.MATCHED, ColumnStatus.CONVERTED):
            columns[column.index] = column.code
        elif column.status in (ColumnStatus.UNKNOWN, ColumnStatus.DUPLICATE):
            unknown.append(column.header)
        elif column.status != ColumnStatus.BLANK:
            ignored.append(column.header)
    present = set(columns.values())
    missing = [s for s in FIELD_SETS[prefix] if s.required and s.code not in present]
    return HeaderMap(prefix, columns, ignored, unknown, missing)
