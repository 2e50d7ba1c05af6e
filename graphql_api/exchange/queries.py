from __future__ import annotations

import strawberry

from exchange import errors
from exchange.errors import ExchangeRefused
from exchange.services.serving import RequestedItem, shared_records_answer
from graphql_api.exchange.context import ExchangeInfo
from graphql_api.exchange.types import SharedItemInput, SharedSubjectType

__all__ = ["ExchangeQuery"]


@strawberry.type
class ExchangeQuery:
    @strawberry.field(
        description="A subject's records that the agreement named in the token covers: only the "
        "listed catalogue items and fields, only records publishable today. One subject per "
        "request; an item or field outside the agreement refuses the whole request."
    )
    def shared_records(
        self, info: ExchangeInfo, code: str, items: list[SharedItemInput]
    ) -> SharedSubjectType:
        context = info.context
        grant = context.require_grant()
        context.subject_code = code[:40]
        try:
            if context.answer is not None or context.refusal is not None:
                raise ExchangeRefused(
                    "一次请求只能查询一个主体", code=errors.BAD_REQUEST, field="sharedRecords"
                )
            answer = shared_records_answer(
                grant=grant,
                code=code,
                items=[RequestedItem(i.item_code, i.fields) for i in items],
            )
        except ExchangeRefused as refusal:
            context.refusal = refusal
            raise
        context.answer = answer
        return SharedSubjectType.from_answer(answer)
