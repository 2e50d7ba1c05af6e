from __future__ import annotations

from datetime import date

import strawberry
from strawberry.scalars import JSON

from exchange.services.serving import SharedAnswer, SharedRecord

__all__ = ["SharedItemInput", "SharedRecordType", "SharedSubjectType"]


@strawberry.type(
    name="SharedRecord",
    description="A record the provider may share today (never withdrawn, repaired or expired), "
    "with only the fields the agreement allows and the request asked for.",
)
class SharedRecordType:
    id: strawberry.ID = strawberry.field(description="The record's id at the provider.")
    kind: str = strawberry.field(description="license, penalty, red_list, black_list, …")
    kind_label: str = strawberry.field(description="The kind in Chinese, e.g. 行政处罚.")
    item_code: str = strawberry.field(description="The provider's catalogue item, e.g. N03-02.")
    item_name: str = strawberry.field(description="The catalogue item's name.")
    state: str = strawberry.field(description="published or disputed.")
    state_label: str = strawberry.field(description="The state in Chinese, e.g. 公示中.")
    publicity_end: date = strawberry.field(description="Last day of publication.")
    # One JSON object rather than a list of typed objects: a subject's 100 records carry ~2,000
    # field values, and resolving each as a GraphQL object tripled the call's cost
    # (docs/benchmarks.md). Labels are the national ones (core/records/fields.py).
    fields: dict[str, str] = strawberry.field(
        graphql_type=JSON,
        description="National field code → value (e.g. CF_WSH), only the fields the agreement "
        "allows and the request asked for, in the order asked.",
    )

    @classmethod
    def from_record(cls, record: SharedRecord) -> SharedRecordType:
        return cls(
            id=strawberry.ID(str(record.id)),
            kind=record.kind,
            kind_label=record.kind_label,
            item_code=record.item_code,
            item_name=record.item_name,
            state=record.state,
            state_label=record.state_label,
            publicity_end=record.publicity_end,
            fields=record.fields,
        )


@strawberry.type(name="SharedSubject", description="A subject's shared records at the provider.")
class SharedSubjectType:
    platform_name: str = strawberry.field(description="The provider's platform, e.g. 信用万州.")
    code: str = strawberry.field(description="The subject's 统一社会信用代码.")
    records: list[SharedRecordType] = strawberry.field(description="Newest decision first.")

    @classmethod
    def from_answer(cls, answer: SharedAnswer) -> SharedSubjectType:
        return cls(
            platform_name=answer.platform_name,
            code=answer.code,
            records=[SharedRecordType.from_record(r) for r in answer.records],
        )


@strawberry.input(name="SharedItemInput", description="A catalogue item and the fields wanted.")
class SharedItemInput:
    item_code: str = strawberry.field(description="The provider's catalogue item code.")
    fields: list[str] = strawberry.field(description="Field codes, e.g. CF_WSH, CF_CFLB.")
