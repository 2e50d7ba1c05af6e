"""A public credit report assembled from the records public today, in the section order of the
public credit report standard (DOMAIN.md §6): facts only, no score. The JSON is the report; the
page and (later) the PDF render it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.utils import timezone

from core.catalog.enums import CatalogSource, Disclosure
from core.records.enums import RecordKind, RecordState
from core.records.models import Record
from core.records.state import record_state
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject

SCHEMA = "credit-report/1.0"
EMPTY = "查询期内无相关信息"
KIND_LABELS = dict(RecordKind.choices)
# 基础信息 is stored under stable keys; these are its labels in the report standard's wording.
BASIC_LABELS = {
    "name": "名称",
    "uscc": "统一社会信用代码",
    "kind": "主体类别",
    "former_names": "曾用名",
    "other_codes": "其他代码",
    "id_number": "证件号码",
}
NATURAL_BASIC_LABELS = {**BASIC_LABELS, "name": "姓名"}
SUBJECT_KIND_LABELS = dict(SubjectKind.choices)
STATEMENT = (
    "本报告依据公共信用信息目录归集的信息出具，仅反映数据截止时间前平台归集并依法可以提供的信息，"
    "不含信用评分；数据截止时间之后信息的新增、变更、修复或撤销不在本报告内。"
    "报告内容以平台存档为准，可凭报告编号和验证码在报告验证页面核验。"
)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    kinds: tuple[str, ...] = ()


LEGAL_SECTIONS = (
    Section("basic", "基础信息"),
    Section("administration", "行政管理", ("license", "penalty")),
    Section("honesty", "诚实守信", ("red_list",)),
    Section("dishonesty_list", "严重失信主体名单", ("black_list",)),
    Section("abnormal", "经营异常", ("abnormal",)),
    Section("commitment", "信用承诺", ("commitment", "commitment_fulfilment")),
    Section("evaluation", "信用评价", ("evaluation",)),
    Section("judicial", "司法判决", ("court_enforcement",)),
    Section("other", "其他", ("contract",)),
    Section("advice", "信用状况提升建议"),
    Section("local", "公共信用信息地方补充内容"),
)
NATURAL_SECTIONS = (
    Section("basic", "基础信息"),
    Section("administration", "行政管理", ("license", "penalty")),
    Section("honesty", "诚实守信", ("red_list",)),
    Section("dishonesty_list", "严重失信主体名单", ("black_list",)),
    Section("judicial", "司法判决", ("court_enforcement",)),
    Section(
        "other",
        "其他",
        ("abnormal", "commitment", "commitment_fulfilment", "evaluation", "contract"),
    ),
    Section("advice", "信用状况提升建议"),
)
NEGATIVE = ("penalty", "abnormal", "black_list", "court_enforcement")


def _item(record: Record, today: date) -> dict[str, Any]:
    state = record_state(record, today)
    item: dict[str, Any] = {
        "kind": KIND_LABELS.get(record.kind, record.kind),
        "catalog_item": record.catalog_item.name,
        "doc_number": record.doc_number,
        "authority": record.authority_name,
        "decision_date": record.decision_date.isoformat(),
        "summary": record.title,
        "publicity_until": record.publicity_end.isoformat(),
        "disputed": state == RecordState.DISPUTED,
    }
    if record.kind == "penalty" and record.fine_wan is not None:
        item["fine_wan"] = f"{record.fine_wan.normalize():f}"
    return item


def assemble(
    *,
    subject: Subject,
    today: date,
    now: datetime,
    number: str,
    include_restricted: bool,
    queries: list[dict[str, str]] | None = None,
    consents: list[dict[str, str]] | None = None,
    issuer: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The report as data. `include_restricted`: also records of items disclosed only on
    authorisation (a valid consent, or the subject itself). `queries` and `consents`: who queried
    the subject and who lodged an authorisation in its name (a report the subject asks for itself
    lists them: its right to know). `issuer`: the issuing platform and its operator
    ({"platform": …, "operator": …}). Times are written in Beijing time (with their offset)."""
    natural = subject.kind == SubjectKind.NATURAL
    records = list(
        Record.objects.publishable(today)
        .filter(subject=subject)
        .select_related("catalog_item")
        .order_by("-decision_date", "id")
    )
    if not include_restricted:
        records = [r for r in records if r.catalog_item.disclosure == Disclosure.PUBLIC]
    local = [r for r in records if r.catalog_item.source == CatalogSource.DISTRICT]
    national = [r for r in records if r.catalog_item.source != CatalogSource.DISTRICT]
    sections: list[dict[str, Any]] = []
    disputed = False
    for section in NATURAL_SECTIONS if natural else LEGAL_SECTIONS:
        if section.key == "basic":
            items = [_basic(subject)]
        elif section.key == "advice":
            items = _advice(records, today)
        elif section.key == "local":
            items = [_item(r, today) for r in local]
        else:
            items = [_item(r, today) for r in national if r.kind in section.kinds]
        disputed = disputed or any(i.get("disputed") for i in items)
        sections.append({"key": section.key, "title": section.title, "count": len(items),
                         "items": items, "empty_text": "" if items else EMPTY})  # fmt: skip
    if queries is not None:
        sections.append({"key": "queries", "title": "被查询记录", "count": len(queries),
                         "items": queries, "empty_text": "" if queries else EMPTY})  # fmt: skip
    if consents is not None:
        sections.append({"key": "consents", "title": "授权记录", "count": len(consents),
                         "items": consents, "empty_text": "" if consents else EMPTY})  # fmt: skip
    counts = {s["key"]: s["count"] for s in sections}
    labels = []
    if counts.get("honesty"):
        labels.append("守信激励对象")
    if counts.get("dishonesty_list") or counts.get("judicial"):
        labels.append("失信惩戒对象")
    if disputed:
        labels.append("存在异议处理中的信息")
    return {
        "schema": SCHEMA,
        "number": number,
        "title": "自然人公共信用信息报告" if natural else "法人和非法人组织公共信用信息报告",
        "subject_type": "natural" if natural else "legal",
        "data_as_of": timezone.localtime(now).isoformat(timespec="seconds"),
        "issuer": issuer or {},
        "cover": {
            "name": subject.name,
            "code": subject.id_masked if natural else (subject.uscc or ""),
            "labels": labels,
            "counts": [{"title": s["title"], "count": s["count"]} for s in sections if s["key"] not in ("basic", "advice", "queries", "consents")],
        },
        "sections": sections,
        "statement": STATEMENT,
    }  # fmt: skip


def _basic(subject: Subject) -> dict[str, Any]:
    if subject.kind == SubjectKind.NATURAL:
        return {"name": subject.name, "id_number": subject.id_masked}
    return {
        "name": subject.name,
        "uscc": subject.uscc or "",
        "kind": SUBJECT_KIND_LABELS.get(subject.kind, subject.kind),
        "former_names": [
            n.name for n in subject.names.order_by("seen_from") if n.name != subject.name
        ],
        "other_codes": [f"{a.get_kind_display()}：{a.value}" for a in subject.aliases.all()],
    }


def _advice(records: list[Record], today: date) -> list[dict[str, Any]]:
    advice = []
    for record in records:
        if record.kind not in NEGATIVE:
            continue
        if record.repair_from <= today:
            text = f"《{record.doc_number}》已满最短公示期，纠正失信行为、履行法定义务后可申请信用修复。"
        else:
            text = f"《{record.doc_number}》最短公示期至{record.repair_from:%Y年%m月%d日}，届满后可申请信用修复。"
        advice.append({"doc_number": record.doc_number, "advice": text})
    return advice


def basic_rows(data: dict[str, Any], item: dict[str, Any]) -> list[tuple[str, str]]:
    """基础信息 as (label, value) rows in the standard's wording, for the page and the PDF (older
    reports stored the same keys, so they read the same)."""
    labels = NATURAL_BASIC_LABELS if data.get("subject_type") == "natural" else BASIC_LABELS
    rows = []
    # The stored JSON sorts its keys: print in the standard's order, then anything else.
    for key in [*(k for k in labels if k in item), *(k for k in item if k not in labels)]:
        value = item[key]
        if key == "kind":
            value = SUBJECT_KIND_LABELS.get(value, value)
        text = "；".join(value) if isinstance(value, list) else str(value)
        rows.append((labels.get(key, key), text or "—"))
    return rows


def beijing_time(text: str) -> str:
    """An ISO timestamp from a report (UTC in older reports) as Beijing time, yyyy-MM-dd HH:mm."""
    if not text:
        return ""
    moment = datetime.fromisoformat(text)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def printable(data: dict[str, Any], *, platform: str = "", operator: str = "") -> dict[str, Any]:
    """The stored report ready to print (page and PDF): 基础信息 as labelled rows, the data's
    cut-off in Beijing time, the issuer (`platform`/`operator` for reports stored before it
    was recorded)."""
    if "sections" not in data:
        return data
    sections = [
        {**s, "rows": basic_rows(data, s["items"][0])} if s["key"] == "basic" and s["items"] else s
        for s in data["sections"]
    ]
    issuer = {"platform": platform, "operator": operator, **(data.get("issuer") or {})}
    code_label = "证件号码" if data.get("subject_type") == "natural" else "统一社会信用代码"
    return {**data, "sections": sections, "issuer": issuer, "code_label": code_label,
            "as_of_text": beijing_time(data.get("data_as_of", ""))}  # fmt: skip
