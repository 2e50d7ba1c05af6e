"""A record's console page (its state, remedies and withdrawal) and the entry form that enters a
record or corrects one. Thin: core.records and core.collection decide and validate."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from console.access import staff
from console.departments import departments_for, limit_departments
from core.accounts.models import User
from core.accounts.policy import can
from core.audit.services import audit_record
from core.catalog.models import Department
from core.catalog.permissions import DEPARTMENT_DATA
from core.collection.services import record_enter
from core.common.actors import Actor
from core.common.errors import ApplicationError, NotFound
from core.common.tenancy import current_schema
from core.records.fields import FIELD_SETS
from core.records.models import Record
from core.records.selectors import record_get
from core.records.services import record_withdraw
from core.remedies.selectors import remedies_for_record
from core.subjects.protection import decrypt

SET_NAMES = {"CF": "行政处罚", "XK": "行政许可", "JL": "其他信用记录（通用模板）"}


def _record(record_id: int, today: date) -> Record:
    try:
        return record_get(record_id=record_id, today=today)
    except NotFound as exc:
        raise Http404(exc.message) from exc


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=300)
    revoked_on = forms.DateField(
        label="撤销或变更决定日期", widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    user = staff(request)
    today = timezone.localdate()
    record = _record(record_id, today)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_withdraw(
                record=record,
                user=user,
                reason=form.cleaned_data["reason"],
                revoked_on=form.cleaned_data["revoked_on"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("console-record", record_id=record.pk)
    objections, repairs = remedies_for_record(record.pk)
    labels = {f"{prefix}_{s.code}": s.label for prefix, specs in FIELD_SETS.items() for s in specs}
    fields = [(labels.get(code, code), value) for code, value in record.fields.items()]
    return render(
        request,
        "portal_theme/console/record_detail.html",
        {"record": record, "fields": fields, "form": form, "today": today,
         "objections": objections, "repairs": repairs},
    )  # fmt: skip


class RecordForm(forms.Form):
    """Every field of a national field set (or the JL_ template), labelled in Chinese; validation
    is the upload's (validate_row)."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="报送部门", empty_label=None
    )

    def __init__(
        self, *args: object, prefix: str, departments: list[Department], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit_departments(self, departments)
        self.field_set = prefix
        for spec in FIELD_SETS[prefix]:
            widget: forms.Widget = (
                forms.Textarea(attrs={"rows": 2}) if spec.max_length > 500 else forms.TextInput()
            )
            if spec.type == "date":
                widget = forms.DateInput(attrs={"type": "date"})
            self.fields[spec.code] = forms.CharField(
                label=f"{spec.label}（{prefix}_{spec.code}）", required=False, widget=widget
            )


def _correcting(user: User, record: Record) -> dict[str, object]:
    """The entry form's values for correcting `record`. Only a user who may correct the record for
    its department sees the identity number it supplied (and that is audited); anyone else starts
    from the masked value."""
    supplied = record.fields
    if record.sealed and can(user, DEPARTMENT_DATA, record.department_id):
        supplied = supplied | {code: decrypt(token) for code, token in record.sealed.items()}
        audit_record(
            actor=Actor.for_user(user, schema=current_schema()),
            action="record.numbers_shown",
            record_id=record.pk,
            subject_id=record.subject_id,
            details={"fields": sorted(record.sealed), "for": "correction"},
        )
    return {k.split("_", 1)[1]: v for k, v in supplied.items()} | {
        "department": record.department_id
    }


@login_required
def record_new(request: HttpRequest) -> HttpResponse:
    """Enter one record, or correct one (?from=<id> fills the form with its current values)."""
    user = staff(request)
    departments = departments_for(user)
    prefix = request.POST.get("set") or request.GET.get("set") or "CF"
    initial: dict[str, object] = {}
    source = request.GET.get("from")
    if source and source.isdigit():
        record = _record(int(source), timezone.localdate())
        prefix = next(
            (p for p in FIELD_SETS if any(k.startswith(p + "_") for k in record.fields)), "CF"
        )
        initial = _correcting(user, record)
    if prefix not in FIELD_SETS:
        raise Http404("没有这种记录格式")
    form = RecordForm(request.POST or None, prefix=prefix, departments=departments, initial=initial)
    if request.method == "POST" and form.is_valid():
        department = form.cleaned_data["department"]
        values = {s.code: form.cleaned_data.get(s.code, "") for s in FIELD_SETS[prefix]}
        try:
            result = record_enter(actor=user, department=department, prefix=prefix, values=values)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if isinstance(result, list):
                for problem in result:
                    form.add_error(
                        problem.field.removeprefix(f"{prefix}_") or None, problem.message
                    )
            else:
                return redirect("console-record", record_id=result.record_id)
    return render(request, "portal_theme/console/record_new.html",
                  {"form": form, "set": prefix, "set_name": SET_NAMES[prefix], "sets": SET_NAMES, "correcting": bool(source)})  # fmt: skip
