"""A public credit report assembled from the records public today, in the section order of the
public credit report standard (DOMAIN.md §6): facts only, no score. The JSON is the report; the
page and (later) the PDF render it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.catalog.enums import CatalogSource, Disclosure
from core.records.enums import RecordKind, RecordState
from core.records.models import Record
from core.records.state import record_state
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject

SCHEMA = "credit-report/1.0"
EMPTY = "查询期内无相关信息"
KIND_LABELS = dict(RecordKind.choices)


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
) -> dict[str, Any]:
    """The report as data. `include_restricted`: also records of items disclosed only on
    authorisation (a valid consent, or the subject itself). `queries` and `consents`: who queried
    the subject and who lodged an authorisation in its name (a report the subject asks for itself
    lists them: its right to know)."""
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
        "data_as_of": now.isoformat(),
        "cover": {
            "name": subject.name,
            "code": subject.id_masked if natural else (subject.uscc or ""),
            "labels": labels,
            "counts": [{"title": s["title"], "count": s["count"]} for s in sections if s["key"] not in ("basic", "advice", "queries", "consents")],
        },
        "sections": sections,
        "statement": "本报告依据公共信用信息目录归集的信息出具，仅反映数据截止时间的公示信息，不含信用评分。",
    }  # fmt: skip


def _basic(subject: Subject) -> dict[str, Any]:
    if subject.kind == SubjectKind.NATURAL:
        return {"name": subject.name, "id_number": subject.id_masked}
    return {
        "name": subject.name,
        "uscc": subject.uscc or "",
        "kind": subject.get_kind_display(),
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
