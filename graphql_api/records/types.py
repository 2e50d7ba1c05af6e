from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from core.records.enums import RecordKind, RecordState
from core.records.selectors import RecordRow, SubjectWithRecords
from core.subjects.enums import SubjectKind

__all__ = ["RecordType", "SubjectType"]

KIND_LABELS = dict(RecordKind.choices)
STATE_LABELS = dict(RecordState.choices)
SUBJECT_LABELS = dict(SubjectKind.choices)


@strawberry.type(name="Record", description="A credit record with its publicity window and state.")
class RecordType:
    id: strawberry.ID = strawberry.field(description="Record id within the district.")
    kind: str = strawberry.field(description="license, penalty, red_list, black_list, …")
    kind_label: str = strawberry.field(description="The kind in Chinese, e.g. 行政处罚.")
    doc_number: str = strawberry.field(description="Decision document number (WSH).")
    decision_date: date = strawberry.field(description="Decision date.")
    title: str = strawberry.field(description="Summary: category and content.")
    authority_name: str = strawberry.field(description="Deciding authority.")
    state: str = strawberry.field(
        description="published, disputed, withdrawn, repaired, expired, not_published."
    )
    state_label: str = strawberry.field(description="The state in Chinese, e.g. 公示中.")
    publicity_start: date = strawberry.field(description="First day of publication.")
    publicity_end: date = strawberry.field(description="Last day of publication.")
    repair_from: date = strawberry.field(description="First day a repair may be applied for.")
    fine_wan: Decimal | None = strawberry.field(description="Fine in 万元, when fined.")

    @classmethod
    def from_row(cls, row: RecordRow) -> RecordType:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            kind_label=KIND_LABELS.get(row.kind, row.kind),
            doc_number=row.doc_number,
            decision_date=row.decision_date,
            title=row.title,
            authority_name=row.authority_name,
            state=row.state,
            state_label=STATE_LABELS.get(row.state, row.state),
            publicity_start=row.publicity_start,
            publicity_end=row.publicity_end,
            repair_from=row.repair_from,
            fine_wan=row.fine_wan,
        )


@strawberry.type(name="Subject", description="A credit subject with its records.")
class SubjectType:
    name: str = strawberry.field(description="Current name.")
    kind: str = strawberry.field(description="legal, individual or natural.")
    kind_label: str = strawberry.field(description="行政相对人类别 in Chinese.")
    code: str = strawberry.field(description="统一社会信用代码, or a masked ID number.")
    records: list[RecordType] = strawberry.field(description="Records, newest first.")

    @classmethod
    def from_view(cls, view: SubjectWithRecords) -> SubjectType:
        return cls(
            name=view.name,
            kind=view.kind,
            kind_label=SUBJECT_LABELS.get(view.kind, view.kind),
            code=view.code,
            records=[RecordType.from_row(r) for r in view.records],
        )
