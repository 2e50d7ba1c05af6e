from __future__ import annotations

import strawberry

from core.discipline.selectors import matters_for
from graphql_api.context import Info
from graphql_api.discipline.mutations import require_department_key
from graphql_api.discipline.types import CreditMatter

__all__ = ["DisciplineQuery"]


@strawberry.type
class DisciplineQuery:
    @strawberry.field(
        description="The calling department's active matters for creditCheck (Authorization: "
        "Bearer dk_…)."
    )
    def credit_check_matters(self, info: Info) -> list[CreditMatter]:
        key = require_department_key(info)
        return [CreditMatter.of(m) for m in matters_for(department=key.department).order_by("name")]
