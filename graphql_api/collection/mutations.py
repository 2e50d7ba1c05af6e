from __future__ import annotations

from enum import Enum

import strawberry

from core.collection.push import records_push, require_push_key
from core.common.errors import ApplicationError
from graphql_api.context import Info

__all__ = ["CollectionMutation"]


@strawberry.enum(description="The national field set of pushed records.")
class PushKind(Enum):
    PENALTY = "CF"
    LICENSE = "XK"
    RECORD = (
        "JL"  # the platform's template for lists, enforcement, commitments, contracts, evaluations
    )


@strawberry.input(description="Records pushed by a department's system.")
class RecordsPushInput:
    idempotency_key: str = strawberry.field(
        description="Unique per push; a retry with the same key is answered from the first push."
    )
    kind: PushKind = strawberry.field(description="Field set of every record in this push.")
    records: list[strawberry.scalars.JSON] = strawberry.field(
        description="1–1000 records, each an object of national field codes (CF_WSH or WSH) to values."
    )


@strawberry.type(description="A problem with one field of a pushed record.")
class RecordProblem:
    field: str = strawberry.field(description="Field code, e.g. CF_JDRQ.")
    label: str = strawberry.field(description="Field name in Chinese.")
    value: str = strawberry.field(description="The value as pushed.")
    message: str = strawberry.field(description="What is wrong, in Chinese.")


@strawberry.type(description="What became of one pushed record.")
class PushedRecord:
    index: int = strawberry.field(description="Position in the pushed list, from 0.")
    outcome: str = strawberry.field(description="stored, updated, duplicate or rejected.")
    record_id: strawberry.ID | None = strawberry.field(description="The stored record's id.")
    problems: list[RecordProblem] = strawberry.field(description="Every reason, when rejected.")
    derived: list[str] = strawberry.field(
        description="Fields the platform filled because the record did not carry them (e.g. "
        "XDR_LB from the code, SJLY/SJLYDM from the pushing department); marked so on the record."
    )


@strawberry.enum(description="Why recordsPush failed as a whole.")
class RecordsPushErrorCode(Enum):
    INVALID = "INVALID"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    UNKNOWN_FIELDS = "UNKNOWN_FIELDS"


@strawberry.type(description="A problem with the push as a whole.")
class RecordsPushError:
    code: RecordsPushErrorCode = strawberry.field(description="Machine-readable error code.")
    message: str = strawberry.field(description="What is wrong, in Chinese.")
    field: str | None = strawberry.field(description="The input field at fault.")
    unknown_fields: list[str] = strawberry.field(
        description="For UNKNOWN_FIELDS: the record keys no national field matches (nothing is "
        "stored from such a push)."
    )


@strawberry.type(description="Result of recordsPush.")
class RecordsPushPayload:
    results: list[PushedRecord] = strawberry.field(
        description="One result per pushed record, in order."
    )
    stored: int = strawberry.field(description="New records.")
    updated: int = strawberry.field(description="Corrected records.")
    duplicate: int = strawberry.field(description="Records already stored unchanged.")
    rejected: int = strawberry.field(description="Records refused, with reasons.")
    replayed: bool = strawberry.field(
        description="True when this answer repeats an earlier push with the same key."
    )
    errors: list[RecordsPushError] = strawberry.field(
        description="Problems with the push as a whole."
    )


@strawberry.type
class CollectionMutation:
    @strawberry.mutation(
        description="Push records from a department's system (Authorization: Bearer dk_…)."
    )
    def records_push(self, info: Info, data: RecordsPushInput) -> RecordsPushPayload:
        key = require_push_key(info.context.department_key)
        try:
            result = records_push(
                key=key,
                idempotency_key=data.idempotency_key,
                prefix=data.kind.value,
                records=list(data.records),
            )
        except ApplicationError as exc:
            code = (
                RecordsPushErrorCode[exc.code]
                if exc.code in RecordsPushErrorCode.__members__
                else RecordsPushErrorCode.INVALID
            )
            return RecordsPushPayload(
                results=[], stored=0, updated=0, duplicate=0, rejected=0, replayed=False,
                errors=[
                    RecordsPushError(
                        code=code,
                        message=exc.message,
                        field=exc.field,
                        unknown_fields=exc.details.get("unknownFields", []),
                    )
                ],
            )  # fmt: skip
        counts = result.counts()
        return RecordsPushPayload(
            results=[
                PushedRecord(
                    index=r.index,
                    outcome=r.outcome,
                    record_id=strawberry.ID(str(r.record_id)) if r.record_id else None,
                    problems=[RecordProblem(**p) for p in r.problems],
                    derived=r.derived,
                )
                for r in result.results
            ],
            replayed=result.replayed,
            errors=[],
            **counts,
        )
