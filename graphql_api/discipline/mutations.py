"""creditCheck and checkFeedback: a department's system checks subjects for one of its matters and
feeds back what it did (Authorization: Bearer dk_…). Failures are payload errors with a code."""

from __future__ import annotations

from typing import Annotated

import strawberry

from core.collection.models import DepartmentApiKey
from core.common.actors import Actor, ActorKind
from core.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from core.discipline.enums import CheckChannel
from core.discipline.models import Matter
from core.discipline.selectors import check_by_idempotency_key, check_get, check_rows, matters_for
from core.discipline.services import check_run, feedback_record
from graphql_api.context import Info
from graphql_api.discipline.types import (
    CheckFeedbackPayload,
    CreditCheckPayload,
    CreditCheckResult,
    DisciplineError,
    DisciplineErrorCode,
    FeedbackOutcome,
    FeedbackResult,
)

__all__ = ["DisciplineMutation", "key_actor", "require_department_key"]

NO_KEY = "需要有效的部门接口密钥（Authorization: Bearer dk_…）"


def require_department_key(info: Info) -> DepartmentApiKey:
    key = info.context.department_key
    if key is None:
        raise PermissionDenied(NO_KEY, code="UNAUTHENTICATED")
    return key


def key_actor(key: DepartmentApiKey) -> Actor:
    """Who the audit names for a key's call, as records pushed with it name it."""
    return Actor(kind=ActorKind.SYSTEM, label=f"api:{key.department.code}:{key.prefix}")


def _error(exc: ApplicationError) -> DisciplineError:
    code = (
        DisciplineErrorCode[exc.code]
        if exc.code in DisciplineErrorCode.__members__
        else DisciplineErrorCode.INVALID
    )
    return DisciplineError(code=code, message=exc.message, field=exc.field)


def _matter(key: DepartmentApiKey, matter_id: str) -> Matter:
    """The matter by id in this district (any department's: check_run refuses another's)."""
    found = (
        matters_for(active=False).filter(pk=int(matter_id)).first() if matter_id.isdigit() else None
    )
    if found is None:
        raise NotFound("没有这个核查事项", code="NOT_FOUND", field="matter")
    return found


@strawberry.type
class DisciplineMutation:
    @strawberry.mutation(
        description="信用核查: check up to 1000 subjects (统一社会信用代码, resident ID numbers where "
        "the matter allows, or exact names) for one of the calling department's matters "
        "(Authorization: Bearer dk_…). Every line is answered; each subject checked is written to "
        "its query log."
    )
    def credit_check(
        self,
        info: Info,
        matter: Annotated[
            strawberry.ID, strawberry.argument(description="The matter (creditCheckMatters).")
        ],
        codes: Annotated[
            list[str],
            strawberry.argument(
                description="The list, one 统一社会信用代码, resident ID number or exact name each "
                "(lines past 1000 are answered OVER_LIMIT, unchecked; more than 2000 are refused)."
            ),
        ],
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="Unique per check (≤ 100 characters); a retry with the same key and "
                "list is answered with the first check."
            ),
        ] = strawberry.UNSET,
    ) -> CreditCheckPayload:
        try:
            key = require_department_key(info)
            wanted = (idempotency_key or "").strip()
            if len(wanted) > 100:
                raise ValidationFailed("idempotencyKey 长度应为1–100", field="idempotencyKey")
            found = _matter(key, str(matter))
            replayed = check_by_idempotency_key(department=key.department, key=wanted) is not None
            check = check_run(
                actor=key_actor(key), department=key.department, matter=found, entries=codes,
                channel=CheckChannel.API, idempotency_key=wanted,
            )  # fmt: skip
        except ApplicationError as exc:
            return CreditCheckPayload(check=None, replayed=False, errors=[_error(exc)])
        result = CreditCheckResult.of(check, list(check_rows(check)))
        return CreditCheckPayload(check=result, replayed=replayed, errors=[])

    @strawberry.mutation(
        description="反馈: what the department did about one line of its check that found "
        "something (once per line; a second call answers ALREADY_FED_BACK). Authorization: "
        "Bearer dk_…."
    )
    def check_feedback(
        self,
        info: Info,
        check_number: Annotated[str, strawberry.argument(description="核查编号.")],
        position: Annotated[
            int, strawberry.argument(description="The line of the check, as answered.")
        ],
        applied: Annotated[bool, strawberry.argument(description="Whether measures were applied.")],
        outcome: Annotated[FeedbackOutcome, strawberry.argument(description="办理结果.")],
        measures: Annotated[
            list[str] | None,
            strawberry.argument(description="Codes of the measures applied (from the line's)."),
        ] = strawberry.UNSET,
        note: Annotated[
            str | None,
            strawberry.argument(description="Remarks; required when no measure was applied."),
        ] = strawberry.UNSET,
    ) -> CheckFeedbackPayload:
        try:
            key = require_department_key(info)
            check = check_get(number=check_number.strip())
            row = check_rows(check).filter(position=position).first()
            if row is None:
                raise NotFound(f"核查{check.number}没有第{position}行", field="position")
            feedback = feedback_record(
                actor=key_actor(key), department=key.department, row=row, applied=applied,
                outcome=outcome.value, measures=list(measures or []), note=note or "",
            )  # fmt: skip
        except ApplicationError as exc:
            return CheckFeedbackPayload(feedback=None, errors=[_error(exc)])
        return CheckFeedbackPayload(
            feedback=FeedbackResult.of(feedback, check, row.position), errors=[]
        )
