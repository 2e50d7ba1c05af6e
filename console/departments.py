"""The departments the console's entry forms (uploads, record entry) offer a user."""

from __future__ import annotations

from django import forms

from core.accounts.models import User
from core.accounts.policy import can
from core.catalog.models import Department
from core.catalog.permissions import DEPARTMENT_DATA, EVERY_DEPARTMENT_DATA, department_id_of


def departments_for(user: User) -> list[Department]:
    """Its own department to a user who may enter data for that one alone (a data clerk); every
    active department to anyone else (a user who may enter none is refused by the service, which
    says why)."""
    active = Department.objects.filter(is_active=True).order_by("name")
    if can(user, EVERY_DEPARTMENT_DATA):
        return list(active)
    own = department_id_of(user)
    if own is not None and can(user, DEPARTMENT_DATA, own):
        return list(Department.objects.filter(pk=own))
    return list(active)


def may_enter(user: User, departments: list[Department]) -> bool:
    """Whether the user may enter data for the departments offered (all of them or none)."""
    return bool(departments) and can(user, DEPARTMENT_DATA, departments[0].pk)


def limit_departments(form: forms.Form, departments: list[Department]) -> None:
    """Offer only these departments in the form's `department` field."""
    field = form.fields["department"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = Department.objects.filter(pk__in=[d.pk for d in departments])
