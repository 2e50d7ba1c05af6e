"""Console entry: one record typed (or corrected) in the console, validated as uploads are."""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.models import User
from core.accounts.policy import require
from core.catalog.models import Department
from core.catalog.permissions import DEPARTMENT_DATA
from core.collection.services.context import refused_problem, validation_context
from core.common.actors import Actor
from core.common.tenancy import current_schema
from core.records.staging import Outcome, Provenance, records_store
from core.records.validation import Problem, validate_row


@dataclass(frozen=True)
class EntryResult:
    outcome: str  # stored / updated / duplicate
    record_id: int


def record_enter(
    *, actor: User, department: Department, prefix: str, values: dict[str, str]
) -> EntryResult | list[Problem]:
    """One record typed in the console (or corrected there), with the same validation as uploads:
    returns the outcome, or every problem to show beside the form's fields."""
    require(actor, DEPARTMENT_DATA, department.pk)
    result = validate_row(prefix, values, validation_context(department=department, prefix=prefix))
    if isinstance(result, list):
        return result
    stored = records_store(
        drafts=[(None, result)],
        provenance=Provenance(
            actor=Actor.for_user(actor, schema=current_schema()), department_id=department.pk
        ),
    )[0]
    if stored.outcome == Outcome.REFUSED:
        return [refused_problem(prefix, result.doc_number, stored)]
    return EntryResult(stored.outcome.value, stored.record_id)
