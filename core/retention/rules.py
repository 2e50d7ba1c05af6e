"""How long negative information about a person is kept (征信业管理条例 Art. 16), as versioned
rules: which records count, from which day their years run, and how many years.

A record is judged by the version in force on its decision date (decisions before the first
version by the first), as the publicity regimes judge it. The years run from the day the conduct
or event ended (`ended_on`, worked out by core/retention/services.py); the record is kept through
the same calendar day `years` later (29 February → 28 February) and deleted from the next day on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.publicity.rules import add_months
from core.retention.models import RetentionRule, RetentionScope


@dataclass(frozen=True)
class RetentionTerm:
    """What the rule in force on a record's decision date says about it."""

    rule_code: str
    years: int
    runs_from: str  # a RetentionStart value

    def kept_until(self, ended_on: date) -> date:
        """The last day the record is kept; it is deleted on any later day."""
        return add_months(ended_on, 12 * self.years)


@dataclass(frozen=True)
class _Version:
    code: str
    effective_from: date
    years: int
    scopes: dict[tuple[str, str], str]  # (subject kind, record kind) → RetentionStart


class RetentionRules:
    """Every version and its scopes, read once (a handful of rows); one instance per run."""

    def __init__(self) -> None:
        scopes: dict[int, dict[tuple[str, str], str]] = {}
        for scope in RetentionScope.objects.all():
            scopes.setdefault(scope.rule_id, {})[(scope.subject_kind, scope.record_kind)] = (
                scope.runs_from
            )
        self._versions = [
            _Version(rule.code, rule.effective_from, rule.years, scopes.get(rule.pk, {}))
            for rule in RetentionRule.objects.order_by("effective_from")
        ]

    @property
    def configured(self) -> bool:
        return bool(self._versions)

    def _in_force(self, decision_date: date) -> _Version | None:
        chosen = self._versions[0] if self._versions else None
        for version in self._versions:
            if version.effective_from <= decision_date:
                chosen = version
        return chosen

    def term(
        self, *, decision_date: date, subject_kind: str, record_kind: str
    ) -> RetentionTerm | None:
        """The retention of such a record under the version in force on its decision date (before
        the first version: the first), or None when that version does not count it as negative
        information."""
        version = self._in_force(decision_date)
        runs_from = version.scopes.get((subject_kind, record_kind)) if version else None
        if version is None or runs_from is None:
            return None
        return RetentionTerm(rule_code=version.code, years=version.years, runs_from=runs_from)

    def subject_kinds(self) -> set[str]:
        """Every subject kind some version counts (to narrow the search)."""
        return {subject for v in self._versions for subject, _ in v.scopes}

    def record_kinds(self) -> set[str]:
        """Every record kind some version counts (to narrow the search)."""
        return {kind for v in self._versions for _, kind in v.scopes}

    def fewest_years(self) -> int:
        """The shortest retention of any version that counts something (to narrow the search)."""
        return min((v.years for v in self._versions if v.scopes), default=0)


def retention_rule_start_problem(*, effective_from: date, today: date) -> str | None:
    """Why a new version may not start on `effective_from`, or None: a version starts after today
    (the rule in force for past decisions never changes) and after every earlier version."""
    if effective_from <= today:
        return f"新版本的施行日期须晚于今天（{today:%Y-%m-%d}），已生效的规则不能更改"
    latest = RetentionRule.objects.order_by("-effective_from").first()
    if latest is not None and effective_from <= latest.effective_from:
        return (
            f"新版本的施行日期须晚于现有最新版本“{latest.code}”的施行日期"
            f"（{latest.effective_from:%Y-%m-%d}）"
        )
    return None
