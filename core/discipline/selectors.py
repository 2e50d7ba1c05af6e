"""联合奖惩 reads: matters, checks awaiting feedback (per department, overdue first), and the
figures for 分类统计 and the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.catalog.models import Department
from core.common.errors import NotFound
from core.discipline.enums import (
    INCENTIVE_OUTCOMES,
    PUNISHMENT_OUTCOMES,
    MeasureSource,
    RowStatus,
)
from core.discipline.models import Check, CheckRow, Feedback, Matter, MatterVersion, Measure


def matters_for(*, department: Department | None = None, active: bool = True) -> QuerySet[Matter]:
    matters = Matter.objects.select_related("department")
    if department is not None:
        matters = matters.filter(department=department)
    return matters.filter(active=True) if active else matters


def measures_active() -> QuerySet[Measure]:
    return Measure.objects.filter(active=True).order_by("kind", "code")


def measures_local() -> QuerySet[Measure]:
    return Measure.objects.filter(source=MeasureSource.LOCAL).order_by("code")


def matter_latest_versions(matters: list[Matter]) -> dict[int, int]:
    """Each matter's current rule version number, by matter id."""
    rows = (
        MatterVersion.objects.filter(matter__in=matters)
        .values_list("matter_id")
        .annotate(latest=Max("number"))
    )
    return dict(rows)


def checks_recent(*, department: Department | None = None, limit: int = 100) -> list[Check]:
    """The latest checks, of one department or of every one."""
    checks = Check.objects.select_related("matter", "department").order_by("-checked_at", "-id")
    if department is not None:
        checks = checks.filter(department=department)
    return list(checks[:limit])


def check_get(*, number: str, department: Department | None = None) -> Check:
    checks = Check.objects.select_related("matter", "department", "version")
    if department is not None:
        checks = checks.filter(department=department)
    found = checks.filter(number=number).first()
    if found is None:
        raise NotFound("没有这个核查编号", code="NOT_FOUND")
    return found


def check_by_idempotency_key(*, department: Department, key: str) -> Check | None:
    if not key:
        return None
    return Check.objects.filter(department=department, idempotency_key=key).first()


def check_by_verification(*, number: str, code: str) -> Check | None:
    """A check by its number and verification code (the portal's 核查报告 check)."""
    found = Check.objects.select_related("matter", "department").filter(number=number).first()
    if found is None or found.verification_code != code.strip().upper():
        return None
    return found


def check_rows(check: Check) -> QuerySet[CheckRow]:
    return check.rows.select_related("subject", "feedback").order_by("position")


@dataclass(frozen=True)
class Awaiting:
    row: CheckRow
    due: date | None
    overdue: bool


def feedback_awaiting(*, department: Department | None = None) -> list[Awaiting]:
    """Rows of checks that found something and have no feedback yet, overdue first."""
    today = timezone.localdate()
    rows = (
        CheckRow.objects.filter(status=RowStatus.HIT, feedback__isnull=True)
        .select_related(
            "credit_check", "credit_check__matter", "credit_check__department", "subject"
        )
        .order_by("credit_check__feedback_due", "credit_check_id", "position")
    )
    if department is not None:
        rows = rows.filter(credit_check__department=department)
    return [
        Awaiting(row, row.credit_check.feedback_due,
                 bool(row.credit_check.feedback_due and row.credit_check.feedback_due < today))
        for row in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class Figures:
    department: str
    matter: str
    month: date
    checks: int
    subjects: int
    hits: int
    punished: int
    rewarded: int


def discipline_figures(*, since: date, until: date) -> list[Figures]:
    """联合奖惩 by department, matter and month (Beijing time): checks, subjects checked, subjects
    with findings, and feedback that applied punishment or incentive measures (by outcome)."""
    window = Q(credit_check__checked_at__date__gte=since, credit_check__checked_at__date__lte=until)
    checked = Q(status__in=[RowStatus.HIT, RowStatus.CLEAR])
    rows = (
        CheckRow.objects.filter(window)
        .annotate(month=TruncMonth("credit_check__checked_at", tzinfo=timezone.get_current_timezone()))
        .values("credit_check__department__name", "credit_check__matter__name", "month")
        .annotate(
            checks=Count("credit_check", distinct=True),
            subjects=Count("id", filter=checked),
            hits=Count("id", filter=Q(status=RowStatus.HIT)),
            punished=Count("id", filter=Q(feedback__outcome__in=PUNISHMENT_OUTCOMES)),
            rewarded=Count("id", filter=Q(feedback__outcome__in=INCENTIVE_OUTCOMES)),
        )
        .order_by("month", "credit_check__department__name", "credit_check__matter__name")
    )  # fmt: skip
    return [
        Figures(r["credit_check__department__name"], r["credit_check__matter__name"], r["month"].date(),
                r["checks"], r["subjects"], r["hits"], r["punished"], r["rewarded"])
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class PublicCounts:
    checks: int
    subjects: int
    hits: int
    punished: int
    rewarded: int


def discipline_public_counts(*, year: int) -> PublicCounts:
    """The year's totals for the portal's 联合奖惩 page (no names)."""
    rows = CheckRow.objects.filter(credit_check__checked_at__year=year)
    fed_back = Feedback.objects.filter(row__credit_check__checked_at__year=year)
    return PublicCounts(
        checks=Check.objects.filter(checked_at__year=year).count(),
        subjects=rows.filter(status__in=[RowStatus.HIT, RowStatus.CLEAR]).count(),
        hits=rows.filter(status=RowStatus.HIT).count(),
        punished=fed_back.filter(outcome__in=PUNISHMENT_OUTCOMES).count(),
        rewarded=fed_back.filter(outcome__in=INCENTIVE_OUTCOMES).count(),
    )
