"""What a file's columns are proposed to be, read-only: the alias table's recognition with the
department's saved mapping profile applied (`propose`), what derivations know of where a file
came from (`origin_of`), a header row's signature, and a mapping file read as decisions. The
writes (analysing a batch, confirming its mapping) are in services/mapping.py."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from core.catalog.models import Department
from core.collection.models import MappingProfile
from core.collection.readers import SAMPLE_BYTES, TableHead, detect_encoding
from core.common.errors import ValidationFailed
from core.content.selectors import theme_get_current
from core.records.fields import FIELD_SETS
from core.records.headers import IGNORE, normal_header
from core.records.layout import Layout, Origin, layout_problems

KIND_NAMES = {"CF": "行政处罚", "XK": "行政许可", "JL": "其他信用记录（平台通用模板）"}


def header_signature(headers: list[str] | tuple[str, ...]) -> str:
    """What makes two files "the same layout": their headers, normalised, in order."""
    return hashlib.sha256("\x1f".join(normal_header(h) for h in headers).encode()).hexdigest()


@dataclass(frozen=True)
class Proposal:
    """What the platform proposes for a file's columns, and what still stops it."""

    layout: Layout | None  # None while the kind of file is not known
    problems: list[str]
    profile: dict[str, Any] | None  # the profile applied: id, saved_by, saved_at, exact, …


def propose(department: Department, head: TableHead, kind: str | None) -> Proposal:
    if kind is None:
        return Proposal(
            None,
            ["无法判断文件类别：表头既不像行政许可，也不像行政处罚或平台通用模板，请选择类别"],
            None,
        )
    layout = Layout.recognised(kind, head.headers)
    # A column with no header but data in it is not ignored unseen: the clerk decides.
    unnamed_with_data = [
        i
        for i, h in enumerate(head.headers)
        if not h.strip() and any(i < len(r) and r[i].strip() for r in head.samples)
    ]
    columns = {i: t for i, t in layout.columns.items() if i not in unnamed_with_data}
    layout = Layout(layout.prefix, layout.headers, columns, layout.yuan)
    profile, problems = _apply_profile(department, kind, head.headers, layout)
    if profile is not None:
        layout = profile[0]
    return Proposal(layout, problems + layout_problems(layout), profile[1] if profile else None)


def _apply_profile(
    department: Department, kind: str, headers: list[str], layout: Layout
) -> tuple[tuple[Layout, dict[str, Any]] | None, list[str]]:
    """The department's saved decisions for these headers: a profile for exactly these headers
    applies whole; otherwise the newest profile of the kind sharing most column names applies to
    the columns it names, and how it no longer matches the file is said."""
    signature = header_signature(headers)
    profiles = MappingProfile.objects.filter(department=department, kind=kind)
    exact = profiles.filter(signature=signature).first()
    if exact is not None:
        decisions = {int(i): t for i, t in exact.decisions.items() if int(i) < len(headers)}
        return (layout.decided(decisions), profile_info(exact, exact=True)), []
    if not layout.undecided:
        return None, []
    names = {normal_header(h): i for i, h in enumerate(headers) if h.strip()}
    best, shared = None, 0
    for candidate in profiles.order_by("-saved_at")[:20]:
        overlap = sum(normal_header(h) in names for h in candidate.headers if h.strip())
        if overlap > shared:
            best, shared = candidate, overlap
    if best is None or shared * 2 < len(names):
        return None, []
    decisions = {}
    for i, target in best.decisions.items():
        old_header = best.headers[int(i)] if int(i) < len(best.headers) else ""
        index = names.get(normal_header(old_header))
        if index is not None and index in layout.undecided:
            decisions[index] = target
    old_names = {normal_header(h) for h in best.headers if h.strip()}
    gone = [h for h in best.headers if h.strip() and normal_header(h) not in names]
    new = [h for h in headers if h.strip() and normal_header(h) not in old_names]
    problems = []
    if gone or new:
        said = []
        if gone:
            said.append("方案中的列" + "、".join(f"“{h}”" for h in gone) + "在本文件中没有")
        if new:
            said.append("本文件多出列" + "、".join(f"“{h}”" for h in new))
        saved = timezone.localtime(best.saved_at).strftime("%Y-%m-%d %H:%M")
        problems.append(
            f"本部门{saved}保存的列映射方案与本文件的表头不完全一致（{'；'.join(said)}）："
            "已按方案映射相同的列，请核对后确认"
        )
    return (layout.decided(decisions), profile_info(best, exact=False)), problems


def profile_info(profile: MappingProfile, *, exact: bool) -> dict[str, Any]:
    return {
        "id": profile.pk,
        "saved_by": profile.saved_by,
        "saved_at": profile.saved_at.isoformat(),
        "exact": exact,
    }


def origin_of(department: Department) -> Origin:
    """What derivations know: the uploading department, the district's department directory
    (authority names to codes) and the district's region code."""
    theme = theme_get_current()
    directory = dict(Department.objects.filter(is_active=True).values_list("name", "code"))
    return Origin(
        department_name=department.name,
        department_code=department.code,
        authorities=directory,
        region_code=theme.region_code if theme else "",
    )


IGNORE_WORDS = ("", "忽略", "不导入", "IGNORE", "-")


def decisions_from_file(content: bytes, *, kind: str, headers: list[str]) -> dict[int, str]:
    """A mapping file (CSV, UTF-8 or GBK: 文件表头,对应字段 on each line; the field as its code,
    its Chinese name, or 忽略) as decisions on `headers`' columns. Raises ValidationFailed naming
    the line of anything it cannot use."""
    specs = FIELD_SETS[kind]
    by_name = {normal_header(s.label): s.code for s in specs}
    codes = {s.code for s in specs}
    columns: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        columns.setdefault(normal_header(header), []).append(index)
    text = content.decode(detect_encoding(content[:SAMPLE_BYTES]))
    decisions: dict[int, str] = {}
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].strip() == "文件表头":
            continue
        header, wanted = row[0], (row[1] if len(row) > 1 else "").strip()
        if normal_header(header) not in columns:
            raise ValidationFailed(f"映射文件第{line}行：数据文件中没有“{header}”这一列")
        normal = normal_header(wanted)
        if normal in IGNORE_WORDS:
            target = IGNORE
        elif normal.removeprefix(kind + "_") in codes:
            target = normal.removeprefix(kind + "_")
        elif normal in by_name:
            target = by_name[normal]
        else:
            raise ValidationFailed(
                f"映射文件第{line}行：“{wanted}”不是{KIND_NAMES[kind]}的字段（可写字段代码、中文名称或“忽略”）"
            )
        for index in columns[normal_header(header)]:
            decisions[index] = target
    return decisions
