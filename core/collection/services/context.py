"""What every way a record comes in shares (uploads, the push API, console entry): the validation
context of a department, and the problem that reports a refused change to another department's
record."""

from __future__ import annotations

from django.utils import timezone

from core.catalog.models import CatalogSupply, Department
from core.common.workdays import WorkdayCalendar
from core.publicity.rules import PublicityRules
from core.records.fields import spec_for
from core.records.staging import StoreResult
from core.records.validation import Problem, ValidationContext


def validation_context(*, department: Department, prefix: str) -> ValidationContext:
    """What validating rows for `department` needs, read once (calendar, rules, deadline)."""
    today = timezone.localdate()
    item_code = {"CF": "N03-02", "XK": "N03-01"}.get(prefix, "")
    supply = CatalogSupply.objects.filter(department=department, item__code=item_code).first()
    return ValidationContext(
        department_code=department.code,
        supplied_on=today,
        deadline_working_days=supply.deadline_working_days if supply else 7,
        calendar=WorkdayCalendar.around(today, days_before=365 * 12, days_after=60),
        rules=PublicityRules(),
        check_source=not department.is_upstream,
    )


def refused_problem(prefix: str, doc_number: str, result: StoreResult) -> Problem:
    """Why a change to another department's record was not applied."""
    owner = Department.objects.filter(pk=result.owner_department_id or 0).values_list(
        "name", flat=True
    )
    return Problem(
        f"{prefix}_WSH",
        spec_for(prefix, "WSH").label,
        doc_number,
        f"该文书号的记录由{owner.first() or '其他部门'}报送，只能由该部门更正",
    )
