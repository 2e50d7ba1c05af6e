"""The publicity window of a record: start, earliest repair date and automatic end.

The period runs from the decision date. Before `repair_from` no repair; from then until `end` the
subject may apply for repair; at `end` publication stops by itself. A department may ask for an
earlier end (CF_GSJZQ), never one before the minimum or after the maximum.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from core.common.errors import ValidationFailed
from core.publicity.enums import Severity
from core.publicity.models import PublicityRegime, PublicityRule


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PublicityWindow:
    regime_code: str
    published: bool
    start: date
    repair_from: date
    end: date


@dataclass(frozen=True)
class _Rule:
    published: bool
    min_months: int
    max_months: int


class PublicityRules:
    """Every regime and rule, read once (a handful of rows); use one instance per batch."""

    def __init__(self) -> None:
        self._regimes = list(
            PublicityRegime.objects.order_by("effective_from").values_list(
                "id", "code", "effective_from"
            )
        )
        if not self._regimes:
            raise ValidationFailed("未配置公示期限规则", code="NO_PUBLICITY_RULES")
        self._rules: dict[tuple[int, str, str], _Rule] = {
            (r.regime_id, r.severity, r.sector): _Rule(r.published, r.min_months, r.max_months)
            for r in PublicityRule.objects.all()
        }

    def regime_for(self, decision_date: date) -> tuple[int, str]:
        """The regime in force on `decision_date` (decisions before the first regime use the first)."""
        chosen = self._regimes[0]
        for regime in self._regimes:
            if regime[2] <= decision_date:
                chosen = regime
        return chosen[0], chosen[1]

    def window(
        self,
        *,
        decision_date: date,
        severity: Severity | str,
        sector: str = "",
        requested_end: date | None = None,
    ) -> PublicityWindow:
        regime_id, code = self.regime_for(decision_date)
        rule = self._rules.get((regime_id, str(severity), sector)) or self._rules.get(
            (regime_id, str(severity), "")
        )
        if rule is None:
            raise ValidationFailed(
                f"公示期限规则“{code}”未规定“{Severity(severity).label}”信息的公示期限",
                code="NO_PUBLICITY_RULE",
                field="severity",
            )
        repair_from = add_months(decision_date, rule.min_months)
        end = add_months(decision_date, rule.max_months)
        if requested_end is not None:
            if requested_end < repair_from or requested_end > end:
                raise ValidationFailed(
                    f"公示截止期{requested_end:%Y-%m-%d}超出规则“{code}”允许的范围"
                    f"（{repair_from:%Y-%m-%d}至{end:%Y-%m-%d}）",
                    field="GSJZQ",
                )
            end = requested_end
        return PublicityWindow(
            regime_code=code,
            published=rule.published,
            start=decision_date,
            repair_from=repair_from,
            end=end,
        )
