"""Feedback on a check (issue 23): once per subject, only by the checking department, with a
reason when no measure was applied; late feedback is marked; the figures count it."""

from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from core.common.errors import Conflict, PermissionDenied, ValidationFailed
from core.discipline.enums import FeedbackOutcome
from core.discipline.models import Check, CheckRow
from core.discipline.selectors import (
    discipline_figures,
    discipline_public_counts,
    feedback_awaiting,
)
from core.discipline.services import feedback_record
from tests.core.discipline.conftest import (
    BLACK,
    CLEAN,
    CLERK,
    RED,
    Setting,
    check_of,
    subsidy,  # noqa: F401  (fixture)
)
from tests.support.clock import Clock

pytestmark = pytest.mark.django_db


def _check(setting: Setting) -> Check:
    return check_of(setting, BLACK, RED, CLEAN)


def _row(check: Check, position: int) -> CheckRow:
    return CheckRow.objects.get(credit_check=check, position=position)


def test_feedback_is_recorded_once_by_the_checking_department(subsidy: Setting) -> None:  # noqa: F811
    with schema_context("wanzhou"):
        check = _check(subsidy)
        assert [(a.row.position, a.due, a.overdue) for a in feedback_awaiting(
            department=subsidy.finance)] == [(1, date(2026, 12, 4), False), (2, date(2026, 12, 4), False)]  # fmt: skip
        assert feedback_awaiting(department=subsidy.market) == []

        with pytest.raises(PermissionDenied) as foreign:
            feedback_record(actor=CLERK, department=subsidy.market, row=_row(check, 1),
                            applied=True, outcome=FeedbackOutcome.NO_SUBSIDY)  # fmt: skip
        assert (foreign.value.code, foreign.value.message) == (
            "FOREIGN_CHECK",
            "该核查由其他部门发起，不能代为反馈",
        )
        with pytest.raises(ValidationFailed) as clear:
            feedback_record(actor=CLERK, department=subsidy.finance, row=_row(check, 3),
                            applied=False, outcome=FeedbackOutcome.NORMAL, note="无")  # fmt: skip
        assert clear.value.message == "该主体未发现相关信息，无需反馈"
        with pytest.raises(ValidationFailed) as reasonless:
            feedback_record(actor=CLERK, department=subsidy.finance, row=_row(check, 1),
                            applied=False, outcome=FeedbackOutcome.NORMAL)  # fmt: skip
        assert (reasonless.value.field, reasonless.value.message) == (
            "note",
            "未采取措施的，请说明原因",
        )
        with pytest.raises(ValidationFailed) as foreign_measure:
            feedback_record(actor=CLERK, department=subsidy.finance, row=_row(check, 1),
                            applied=True, outcome=FeedbackOutcome.NO_SUBSIDY, measures=["JL-02"])  # fmt: skip
        assert foreign_measure.value.message == "措施JL-02不在本次核查的适用措施中"

        refused = feedback_record(actor=CLERK, department=subsidy.finance, row=_row(check, 1),
                                  applied=True, outcome=FeedbackOutcome.NO_SUBSIDY,
                                  measures=["CJ-05"])  # fmt: skip
        assert (refused.outcome, refused.measures, refused.late) == ("no_subsidy", ["CJ-05"], False)
        with pytest.raises(Conflict) as twice:
            feedback_record(actor=CLERK, department=subsidy.finance, row=_row(check, 1),
                            applied=True, outcome=FeedbackOutcome.STRICT_REVIEW)  # fmt: skip
        assert (twice.value.code, twice.value.message) == (
            "ALREADY_FED_BACK",
            "该主体的核查结果已反馈，不能重复反馈",
        )
        assert [a.row.position for a in feedback_awaiting(department=subsidy.finance)] == [2]


def test_late_feedback_is_marked_and_everything_is_counted(
    subsidy: Setting,  # noqa: F811
    clock: Clock,
) -> None:
    with schema_context("wanzhou"):
        check = _check(subsidy)
        clock.move_to(date(2026, 12, 7))  # the Monday after the due Friday
        assert [a.overdue for a in feedback_awaiting()] == [True, True]
        late = feedback_record(actor=CLERK, department=subsidy.finance, row=_row(check, 2),
                               applied=True, outcome=FeedbackOutcome.PRIORITY, measures=["JL-02"])  # fmt: skip
        assert late.late is True
        feedback_record(actor=CLERK, department=subsidy.finance, row=_row(check, 1),
                        applied=True, outcome=FeedbackOutcome.NO_SUBSIDY)  # fmt: skip

        figures = discipline_figures(since=date(2026, 11, 1), until=date(2026, 12, 31))
        assert [(f.department, f.matter, f.month, f.checks, f.subjects, f.hits, f.punished,
                 f.rewarded) for f in figures] == [
            ("重庆市万州区财政局", "中小企业发展专项资金补助", date(2026, 11, 1), 1, 3, 2, 1, 1)
        ]  # fmt: skip
        counts = discipline_public_counts(year=2026)
        assert (counts.checks, counts.subjects, counts.hits, counts.punished, counts.rewarded) == (
            1,
            3,
            2,
            1,
            1,
        )
