"""联合奖惩 over the API (issue 23): a department system's matters, checks and feedback."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry

from core.discipline.enums import FeedbackOutcome as FeedbackOutcomeChoice
from core.discipline.enums import (
    Finding,
    MatterCategory,
    MeasureKind,
    RowStatus,
)
from core.discipline.models import Check, CheckRow, Feedback, Matter

__all__ = [
    "CheckFeedbackPayload",
    "CheckFinding",
    "CheckFindingKind",
    "CheckMeasure",
    "CheckMeasureKind",
    "CheckRowResult",
    "CheckRowStatus",
    "CreditCheckPayload",
    "CreditCheckResult",
    "CreditMatter",
    "DisciplineError",
    "DisciplineErrorCode",
    "FeedbackOutcome",
    "FeedbackResult",
    "MatterCategoryCode",
]


@strawberry.enum(name="MatterCategory", description="The kind of business a matter belongs to.")
class MatterCategoryCode(Enum):
    LICENSING = MatterCategory.LICENSING.value
    PROCUREMENT = MatterCategory.PROCUREMENT.value
    SUBSIDY = MatterCategory.SUBSIDY.value
    HONOURS = MatterCategory.HONOURS.value
    PUBLIC_RESOURCES = MatterCategory.PUBLIC_RESOURCES.value
    RECRUITMENT = MatterCategory.RECRUITMENT.value
    OTHER = MatterCategory.OTHER.value


@strawberry.enum(description="What became of one line of a check's list.")
class CheckRowStatus(Enum):
    HIT = RowStatus.HIT.value
    CLEAR = RowStatus.CLEAR.value
    NOT_FOUND = RowStatus.NOT_FOUND.value
    INVALID = RowStatus.INVALID.value
    NOT_ALLOWED = RowStatus.NOT_ALLOWED.value
    DUPLICATE = RowStatus.DUPLICATE.value
    OVER_LIMIT = RowStatus.OVER_LIMIT.value


@strawberry.enum(description="What a check found about a subject (from records in force).")
class CheckFindingKind(Enum):
    SERIOUS_DISHONESTY = Finding.SERIOUS_DISHONESTY.value
    MAJOR_TAX = Finding.MAJOR_TAX.value
    COURT_ENFORCEMENT = Finding.COURT_ENFORCEMENT.value
    ABNORMAL = Finding.ABNORMAL.value
    SERIOUS_PENALTY = Finding.SERIOUS_PENALTY.value
    PENALTY = Finding.PENALTY.value
    COMMITMENT_BROKEN = Finding.COMMITMENT_BROKEN.value
    RED_LIST = Finding.RED_LIST.value


@strawberry.enum(description="A joint punishment or a joint incentive measure.")
class CheckMeasureKind(Enum):
    PUNISHMENT = MeasureKind.PUNISHMENT.value
    INCENTIVE = MeasureKind.INCENTIVE.value


@strawberry.enum(description="What the department did with the finding (办理结果).")
class FeedbackOutcome(Enum):
    NOT_GRANTED = FeedbackOutcomeChoice.NOT_GRANTED.value
    NO_SUBSIDY = FeedbackOutcomeChoice.NO_SUBSIDY.value
    RESTRICTED = FeedbackOutcomeChoice.RESTRICTED.value
    STRICT_REVIEW = FeedbackOutcomeChoice.STRICT_REVIEW.value
    NOT_HIRED = FeedbackOutcomeChoice.NOT_HIRED.value
    NO_HONOUR = FeedbackOutcomeChoice.NO_HONOUR.value
    PRIORITY = FeedbackOutcomeChoice.PRIORITY.value
    TOLERANT = FeedbackOutcomeChoice.TOLERANT.value
    SIMPLIFIED = FeedbackOutcomeChoice.SIMPLIFIED.value
    NORMAL = FeedbackOutcomeChoice.NORMAL.value


@strawberry.enum(description="Why creditCheck or checkFeedback failed.")
class DisciplineErrorCode(Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    FOREIGN_MATTER = "FOREIGN_MATTER"
    MATTER_INACTIVE = "MATTER_INACTIVE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    FOREIGN_CHECK = "FOREIGN_CHECK"
    NOTHING_FOUND = "NOTHING_FOUND"
    ALREADY_FED_BACK = "ALREADY_FED_BACK"


@strawberry.type(description="A problem with a creditCheck or checkFeedback call as a whole.")
class DisciplineError:
    code: DisciplineErrorCode = strawberry.field(description="Machine-readable error code.")
    message: str = strawberry.field(description="What is wrong, in Chinese.")
    field: str | None = strawberry.field(description="The argument at fault.")


@strawberry.type(description="A matter (事项) the department checks subjects in before it decides.")
class CreditMatter:
    id: strawberry.ID = strawberry.field(description="The matter's id, for creditCheck.")
    name: str = strawberry.field(description="事项名称.")
    category: MatterCategoryCode = strawberry.field(description="事项类别.")
    category_label: str = strawberry.field(description="事项类别 in Chinese, e.g. 财政资金补助.")
    legal_basis: str = strawberry.field(description="核查依据: the law or document and article.")
    persons_allowed: bool = strawberry.field(
        description="True when the legal basis allows checking natural persons (resident ID "
        "numbers); otherwise their lines are answered NOT_ALLOWED."
    )
    feedback_days: int = strawberry.field(
        description="Working days after a check with findings within which feedback is due."
    )

    @classmethod
    def of(cls, matter: Matter) -> CreditMatter:
        return cls(
            id=strawberry.ID(str(matter.pk)),
            name=matter.name,
            category=MatterCategoryCode(matter.category),
            category_label=matter.get_category_display(),
            legal_basis=matter.legal_basis,
            persons_allowed=matter.persons_allowed,
            feedback_days=matter.feedback_days,
        )


@strawberry.type(description="A record in force that a check found, with its source.")
class CheckFinding:
    kind: CheckFindingKind = strawberry.field(description="What was found.")
    label: str = strawberry.field(description="What was found, in Chinese.")
    doc_number: str = strawberry.field(description="Document number of the decision (文号).")
    authority: str = strawberry.field(description="The deciding authority.")
    date: dt.date = strawberry.field(description="Decision date.")
    until: dt.date = strawberry.field(description="Last day of its publicity (in force until).")

    @classmethod
    def of(cls, found: dict[str, Any]) -> CheckFinding:
        return cls(
            kind=CheckFindingKind(found["finding"]),
            label=found["label"],
            doc_number=found["doc_number"],
            authority=found["authority"],
            date=dt.date.fromisoformat(found["date"]),
            until=dt.date.fromisoformat(found["until"]),
        )


@strawberry.type(description="A measure the matter's rules attach to the findings.")
class CheckMeasure:
    code: str = strawberry.field(description="Measure code, e.g. CJ-05; name it in checkFeedback.")
    name: str = strawberry.field(description="The measure, in Chinese.")
    kind: CheckMeasureKind = strawberry.field(description="Punishment or incentive.")
    legal_basis: str = strawberry.field(description="The measure's legal basis.")
    findings: list[str] = strawberry.field(description="The findings it applies to, in Chinese.")

    @classmethod
    def of(cls, measure: dict[str, Any]) -> CheckMeasure:
        return cls(
            code=measure["code"],
            name=measure["name"],
            kind=CheckMeasureKind(measure["kind"]),
            legal_basis=measure["basis"],
            findings=list(measure.get("findings", [])),
        )


@strawberry.type(description="The answer for one line of the list.")
class CheckRowResult:
    position: int = strawberry.field(description="Line number in the list sent, from 1.")
    given: str = strawberry.field(
        description="The code or name as read (a resident ID number masked)."
    )
    status: CheckRowStatus = strawberry.field(description="What became of the line.")
    status_label: str = strawberry.field(description="The status in Chinese.")
    reason: str = strawberry.field(
        description="Why the line was not checked, in Chinese (empty when checked)."
    )
    subject_name: str | None = strawberry.field(description="The subject found, or null.")
    findings: list[CheckFinding] = strawberry.field(description="Every finding in force.")
    measures: list[CheckMeasure] = strawberry.field(
        description="The measures the matter's rules attach to the findings, with their basis."
    )

    @classmethod
    def of(cls, row: CheckRow) -> CheckRowResult:
        return cls(
            position=row.position,
            given=row.given,
            status=CheckRowStatus(row.status),
            status_label=row.get_status_display(),
            reason=row.reason,
            subject_name=row.subject_name or None,
            findings=[CheckFinding.of(f) for f in row.findings],
            measures=[CheckMeasure.of(m) for m in row.measures],
        )


@strawberry.type(description="A check (信用核查) and its answer line by line.")
class CreditCheckResult:
    number: str = strawberry.field(description="核查编号, printed on the 核查报告.")
    verification_code: str = strawberry.field(
        description="验证码: with the number, anyone may verify the 核查报告 on the portal."
    )
    matter: str = strawberry.field(description="The matter's name.")
    checked_at: dt.datetime = strawberry.field(description="When the check ran.")
    rows_total: int = strawberry.field(description="Non-blank lines in the list.")
    checked_total: int = strawberry.field(description="Subjects checked.")
    hits: int = strawberry.field(description="Subjects with findings.")
    feedback_due: dt.date | None = strawberry.field(
        description="Last day for feedback on the subjects with findings (null when none)."
    )
    rows: list[CheckRowResult] = strawberry.field(description="One answer per non-blank line.")

    @classmethod
    def of(cls, check: Check, rows: list[CheckRow]) -> CreditCheckResult:
        return cls(
            number=check.number,
            verification_code=check.verification_code,
            matter=check.matter.name,
            checked_at=check.checked_at,
            rows_total=check.rows_total,
            checked_total=check.checked_total,
            hits=check.hits,
            feedback_due=check.feedback_due,
            rows=[CheckRowResult.of(row) for row in rows],
        )


@strawberry.type(description="Result of creditCheck.")
class CreditCheckPayload:
    check: CreditCheckResult | None = strawberry.field(description="The check, unless it failed.")
    replayed: bool = strawberry.field(
        description="True when this answer repeats an earlier check with the same idempotencyKey."
    )
    errors: list[DisciplineError] = strawberry.field(description="Why the check failed.")


@strawberry.type(description="Feedback recorded on one line of a check.")
class FeedbackResult:
    check_number: str = strawberry.field(description="核查编号.")
    position: int = strawberry.field(description="The line fed back on.")
    applied: bool = strawberry.field(description="Whether measures were applied.")
    outcome: FeedbackOutcome = strawberry.field(description="办理结果.")
    outcome_label: str = strawberry.field(description="办理结果 in Chinese.")
    measures: list[str] = strawberry.field(description="Codes of the measures applied.")
    late: bool = strawberry.field(description="True when fed back after the due date.")
    at: dt.datetime = strawberry.field(description="When the feedback was recorded.")

    @classmethod
    def of(cls, feedback: Feedback, check: Check, position: int) -> FeedbackResult:
        return cls(
            check_number=check.number,
            position=position,
            applied=feedback.applied,
            outcome=FeedbackOutcome(feedback.outcome),
            outcome_label=feedback.get_outcome_display(),
            measures=list(feedback.measures),
            late=feedback.late,
            at=feedback.at,
        )


@strawberry.type(description="Result of checkFeedback.")
class CheckFeedbackPayload:
    feedback: FeedbackResult | None = strawberry.field(
        description="The feedback recorded, unless it failed."
    )
    errors: list[DisciplineError] = strawberry.field(description="Why the feedback failed.")
