from __future__ import annotations

import strawberry
from django.utils import timezone

from core.records.selectors import subject_with_records
from graphql_api.context import Info
from graphql_api.records.types import SubjectType

__all__ = ["RecordsQuery"]


@strawberry.type
class RecordsQuery:
    @strawberry.field(
        description="A subject by 统一社会信用代码 with its records. The public sees organisations and "
        "their publishable records only; signed-in staff see every record and may look up ID numbers."
    )
    def subject(self, info: Info, code: str) -> SubjectType | None:
        view = subject_with_records(
            code=code, today=timezone.localdate(), staff=info.context.user is not None
        )
        return SubjectType.from_view(view) if view is not None else None
