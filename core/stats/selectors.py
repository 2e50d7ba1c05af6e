"""Reads for classified statistics. Counts and trends come from the maintained aggregate
(`RecordCount`, a few rows per department, item and month); what depends on today (lists currently
public, grades) from indexed queries. Each function is one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from core.catalog.models import CatalogItem, Department
from core.publicity.rules import add_months
from core.records.enums import RecordKind
from core.records.models import Record
from core.scoring.enums import Grade
from core.scoring.models import SubjectScore
from core.stats.models import RecordCount

KIND_LABELS = dict(RecordKind.choices)
# The kinds whose supply deadline is the 双公示 7 working days.
DOUBLE_PUBLICITY = ("license", "penalty")


@dataclass(frozen=True)
class Filters:
    start: date  # first day of the first month
    end: date  # first day of the last month
    department_id: int | None = None
    kind: str = ""

    @classmethod
    def last_months(cls, today: date, months: int = 12) -> Filters:
        end = today.replace(day=1)
        return cls(start=add_months(end, -(months - 1)), end=end)


def _counts(filters: Filters) -> QuerySet[RecordCount]:
    rows = RecordCount.objects.filter(
        month__gte=filters.start, month__lte=filters.end, withdrawn=False
    )
    if filters.department_id:
        rows = rows.filter(department_id=filters.department_id)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return rows


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    extra: str = ""


def by_kind(filters: Filters) -> list[Row]:
    rows = _counts(filters).values("kind").annotate(n=Sum("records")).order_by("-n", "kind")
    return [Row(KIND_LABELS.get(r["kind"], r["kind"]), r["n"]) for r in rows if r["n"]]


def by_month(filters: Filters) -> list[Row]:
    """Every month of the range, with 0 for months without records."""
    counted = {
        r["month"]: r["n"]
        for r in _counts(filters).values("month").annotate(n=Sum("records")).order_by()
    }
    months, month = [], filters.start
    while month <= filters.end:
        months.append(Row(f"{month:%Y-%m}", counted.get(month, 0) or 0))
        month = add_months(month, 1)
    return months


def _by(filters: Filters, column: str, names: dict[int, str]) -> list[Row]:
    rows = _counts(filters).values(column).annotate(n=Sum("records")).order_by("-n", column)
    return [Row(names.get(r[column], "（已删除）"), r["n"]) for r in rows if r["n"]]


def by_item(filters: Filters) -> list[Row]:
    names = {
        pk: f"{code} {name}"
        for pk, code, name in CatalogItem.objects.values_list("id", "code", "name")
    }
    return _by(filters, "catalog_item_id", names)


def by_department(filters: Filters) -> list[Row]:
    return _by(filters, "department_id", dict(Department.objects.values_list("id", "name")))


@dataclass(frozen=True)
class Timeliness:
    department: str
    records: int
    timely: int

    @property
    def rate(self) -> Decimal:
        return (
            (Decimal(100) * self.timely / self.records).quantize(Decimal("0.1"))
            if self.records
            else Decimal(0)
        )


def timeliness(filters: Filters) -> list[Timeliness]:
    """双公示 records supplied within 7 working days of the decision, per department."""
    rows = (
        _counts(filters)
        .filter(kind__in=DOUBLE_PUBLICITY)
        .values("department_id")
        .annotate(n=Sum("records"), t=Sum("timely"))
        .order_by("department_id")
    )
    names = dict(Department.objects.values_list("id", "name"))
    result = [
        Timeliness(names.get(r["department_id"], "（已删除部门）"), r["n"], r["t"])
        for r in rows
        if r["n"]
    ]
    return sorted(result, key=lambda t: (t.rate, t.department))


@dataclass(frozen=True)
class DueMonth:
    """One month of 双公示 supply: the records whose 7-working-day deadline fell in it (`due`)
    and how many of them were supplied by it (`timely`)."""

    month: date
    due: int
    timely: int

    @property
    def rate(self) -> Decimal | None:
        """Per cent supplied in time; None when nothing was due."""
        return (
            (Decimal(100) * self.timely / self.due).quantize(Decimal("0.1")) if self.due else None
        )


def timeliness_by_deadline(filters: Filters) -> list[DueMonth]:
    """Every month of the range with what fell due in it, by supply deadline (not decision date):
    a record decided years ago and loaded today is not due in any recent month."""
    rows = Record.objects.filter(
        kind__in=DOUBLE_PUBLICITY, withdrawn_at__isnull=True,
        supply_deadline__gte=filters.start, supply_deadline__lt=add_months(filters.end, 1),
    )  # fmt: skip
    if filters.department_id:
        rows = rows.filter(department_id=filters.department_id)
    counted = {
        r["month"]: (r["due"], r["timely"])
        for r in rows.annotate(month=TruncMonth("supply_deadline"))
        .values("month")
        .annotate(due=Count("id"), timely=Count("id", filter=Q(timely=True)))
        .order_by()
    }
    months, month = [], filters.start
    while month <= filters.end:
        due, timely = counted.get(month, (0, 0))
        months.append(DueMonth(month, due, timely))
        month = add_months(month, 1)
    return months


def top_violations(filters: Filters, limit: int = 10) -> list[Row]:
    rows = (
        _counts(filters)
        .filter(kind="penalty")
        .exclude(violation="")
        .values("violation")
        .annotate(n=Sum("records"), fines=Sum("fines_wan"))
        .order_by("-n", "violation")[:limit]
    )
    return [Row(r["violation"], r["n"], f"{r['fines']:.2f}") for r in rows if r["n"]]


def list_sizes(today: date) -> list[Row]:
    """Red and black list entries public today (an indexed count over the records)."""
    public = Record.objects.publishable(today).filter(kind__in=("red_list", "black_list"))
    counts = public.aggregate(
        red=Count("id", filter=Q(kind="red_list")),
        red_subjects=Count("subject_id", distinct=True, filter=Q(kind="red_list")),
        black=Count("id", filter=Q(kind="black_list")),
        black_subjects=Count("subject_id", distinct=True, filter=Q(kind="black_list")),
    )
    return [
        Row(KIND_LABELS["red_list"], counts["red"], f"{counts['red_subjects']}个主体"),
        Row(KIND_LABELS["black_list"], counts["black"], f"{counts['black_subjects']}个主体"),
    ]


def grade_distribution() -> list[Row]:
    counted = dict(
        SubjectScore.objects.filter(is_current=True)
        .values_list("grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [Row(f"{g.value} {g.label}", counted.get(g.value, 0)) for g in Grade]


def totals(filters: Filters) -> dict[str, int | Decimal]:
    agg = _counts(filters).aggregate(
        records=Sum("records"), timely=Sum("timely"), fines=Sum(F("fines_wan"))
    )
    return {
        "records": agg["records"] or 0,
        "timely": agg["timely"] or 0,
        "fines": agg["fines"] or Decimal(0),
    }
