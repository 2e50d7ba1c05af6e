"""A record's console page (its state, remedies and withdrawal) and the entry form that enters a
record or corrects one. Thin: core.records and core.collection decide and validate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.forms import BoundField
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
from core.collection.services import record_enter, validation_context
from core.common.actors import Actor
from core.common.errors import ApplicationError, NotFound
from core.common.forms import date_input
from core.common.tenancy import current_schema
from core.records.fields import (
    COMMON_SUBJECT,
    FIELD_SETS,
    ID_TYPES,
    LICENSE_CATEGORIES,
    LICENSE_STATES,
    PENALTY_CATEGORIES,
    PENALTY_CATEGORY_SEPARATOR,
    RECORD_KINDS,
    SECTORS,
    SEVERITIES,
    SUBJECT_CATEGORIES,
    FieldSpec,
    FieldType,
)
from core.records.models import Record
from core.records.selectors import record_get
from core.records.services import record_withdraw
from core.records.validation import (
    LONG_TERM_VALUES,
    Problem,
    parse_date,
    split_categories,
    validate_row,
)
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
    revoked_on = forms.DateField(label="撤销或变更决定日期", widget=date_input())


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
    derived = record.derived_fields or {}
    # Each field with how the platform derived it ("" for what the department supplied).
    order = {code: i for i, code in enumerate(labels)}  # the standard's order
    fields = [
        (labels.get(code, code), value, derived.get(code, ""))
        for code, value in sorted(record.fields.items(), key=lambda f: order.get(f[0], len(order)))
    ]
    return render(
        request,
        "portal_theme/console/record_detail.html",
        {"record": record, "fields": fields, "form": form, "today": today,
         "objections": objections, "repairs": repairs,
         "may_set_sector": can(user, DEPARTMENT_DATA, record.department_id)},
    )  # fmt: skip


# The entry form's groups; within each the fields keep the standard's order (FIELD_SETS).
SUBJECT_GROUP, DECISION_GROUP, BODIES_GROUP = "相对人", "决定", "机关与来源"
SUBJECT_CODES = {s.code for s in COMMON_SUBJECT}
# The deciding body and the data source unit of each field set: (name, 统一社会信用代码).
AUTHORITY = {"CF": ("CFJG", "CFJGDM"), "XK": ("XKJG", "XKJGDM"), "JL": ("JG", "JGDM")}
SOURCE = {"CF": ("SJLY", "SJLYDM"), "XK": ("LYDW", "LYDWDM"), "JL": ("SJLY", "SJLYDM")}
LONG_TERM_DATE = "9999-12-31"  # how the date input says 长期 (validation reads it so)

_ID_TYPES = [(name, f"{code} {name}") for name, code in ID_TYPES.items()]
# Fields whose value comes from a code table (core/records/fields.py): (value, shown) in order.
CODE_TABLES: dict[str, list[tuple[str, str]]] = {
    "XDR_LB": [(v, v) for v in SUBJECT_CATEGORIES],
    "FR_ZJLX": _ID_TYPES,
    "XDR_ZJLX": _ID_TYPES,
    "XKLB": [(v, v) for v in LICENSE_CATEGORIES],
    "ZT": [(v, v) for v in LICENSE_STATES],
    "CFLB": [(v, v) for v in PENALTY_CATEGORIES],
    "YZCD": [(v, v) for v in SEVERITIES],
    "HYLY": [(v, v) for v in SECTORS],
    "LX": [(v, v) for v in RECORD_KINDS],
}
# Hints under a field, by code (or prefixed code, for one field set only).
HELP = {
    "XDR_SHXYM": "法人及非法人组织必填；个体工商户填写此项或经营者证件号码",
    "XDR_ZJHM": "自然人必填",
    "CFLB": "可多选",
    "NR_FK": "处罚类别含罚款时必填；以万元计，2000元填0.2",
    "NR_WFFF": "以万元计",
    "CF_YZCD": "不选时按处罚类别判断",
    "CF_HYLY": "不选时按处罚依据、违法行为类型、违法事实判断",
    "JL_YZCD": "不选时按记录类别判断",
    "XK_YXQZI": f"长期有效的填{LONG_TERM_DATE}",
}


@dataclass(frozen=True)
class EntryField:
    """One field as the entry page shows it: the bound field, its standard's required mark, and
    whether it takes a whole row (long text) or is a group of checkboxes."""

    bound: BoundField
    required: bool
    multiple: bool
    wide: bool


class RecordForm(forms.Form):
    """Every field of a national field set (or the JL_ template) in the standard's order, grouped
    and labelled in Chinese; code-table fields are choices, dates are date inputs. The values go
    to the upload's validation (validate_row), which reports what is wrong beside each field."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="报送部门", empty_label=None
    )

    def __init__(
        self,
        *args: object,
        prefix: str,
        departments: list[Department],
        source_locked: bool = True,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit_departments(self, departments)
        self.field_set = prefix
        for spec in FIELD_SETS[prefix]:
            if spec.code in self.initial:
                self.initial[spec.code] = _shown(prefix, spec, self.initial[spec.code])
            self.fields[spec.code] = _field(prefix, spec, self.initial.get(spec.code))
        for code in SOURCE[prefix]:
            # The uploading department is the data source unit (validation checks the code);
            # only an upstream platform's imports name other bodies there.
            self.fields[code].widget.attrs["readonly"] = source_locked
            self.fields[code].help_text = "即报送部门" if source_locked else ""

    def groups(self) -> list[tuple[str, list[EntryField]]]:
        grouped: dict[str, list[EntryField]] = {
            SUBJECT_GROUP: [], DECISION_GROUP: [], BODIES_GROUP: []
        }  # fmt: skip
        bodies = {*AUTHORITY[self.field_set], *SOURCE[self.field_set]}
        for spec in FIELD_SETS[self.field_set]:
            group = (
                SUBJECT_GROUP if spec.code in SUBJECT_CODES
                else BODIES_GROUP if spec.code in bodies
                else DECISION_GROUP
            )  # fmt: skip
            field = self.fields[spec.code]
            grouped[group].append(
                EntryField(
                    bound=self[spec.code],
                    required=spec.required,
                    multiple=isinstance(field, forms.MultipleChoiceField),
                    wide=isinstance(field.widget, forms.Textarea),
                )
            )
        return list(grouped.items())

    def values(self) -> dict[str, str]:
        """The cleaned fields as validation takes them: several penalty categories in one value."""
        return {
            spec.code: PENALTY_CATEGORY_SEPARATOR.join(value)
            if isinstance(value := self.cleaned_data.get(spec.code, ""), list)
            else value
            for spec in FIELD_SETS[self.field_set]
        }


def _shown(prefix: str, spec: FieldSpec, value: object) -> object:
    """A stored value as the form shows it: dates as the date input's yyyy-MM-dd (长期 as
    9999-12-31), penalty categories as the list of boxes to tick."""
    if not isinstance(value, str) or not value:
        return value
    if spec.type == FieldType.DATE:
        if prefix == "XK" and spec.code == "YXQZI" and value in LONG_TERM_VALUES:
            return LONG_TERM_DATE
        parsed = parse_date(value)
        return parsed.isoformat() if parsed else value
    if spec.code == "CFLB":
        return split_categories(value)
    return value


def _field(prefix: str, spec: FieldSpec, current: object) -> forms.Field:
    help_text = HELP.get(f"{prefix}_{spec.code}") or HELP.get(spec.code, "")
    attrs = {"aria-required": "true"} if spec.required else {}
    table = CODE_TABLES.get(spec.code)
    if table is not None:
        # A record being corrected may carry a value outside the table (an older system's):
        # it stays offered, and validation decides on it as on an upload.
        carried = current if isinstance(current, list) else [current] if current else []
        known = {value for value, _ in table}
        choices = table + [(str(v), str(v)) for v in carried if v not in known]
        invalid = {"invalid_choice": f"“%(value)s”不是{spec.label}的标准值，请从列表中选择"}
        if spec.code == "CFLB":
            return forms.MultipleChoiceField(
                label=spec.label, required=False, choices=choices, help_text=help_text,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
                error_messages=invalid,
            )  # fmt: skip
        empty = "请选择" if spec.required else "不填"
        return forms.ChoiceField(
            label=spec.label, required=False, choices=[("", empty), *choices],
            help_text=help_text, widget=forms.Select(attrs=attrs), error_messages=invalid,
        )  # fmt: skip
    widget: forms.Widget = (
        forms.Textarea(attrs={"rows": 3, **attrs})
        if spec.max_length > 500
        else forms.TextInput(attrs=attrs)
    )
    if spec.type == FieldType.DATE:
        widget = date_input(**attrs)
    return forms.CharField(label=spec.label, required=False, widget=widget, help_text=help_text)


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


def _enter(user: User, form: RecordForm) -> HttpResponse | None:
    """Store a posted entry and go to its record; or put every problem beside its field: the
    form's own (a value outside a code table) together with the upload validation's."""
    prefix = form.field_set
    if not form.is_valid():
        department = form.cleaned_data.get("department")
        if department is not None:  # the rest is still checked, to show everything at once
            context = validation_context(department=department, prefix=prefix)
            result = validate_row(prefix, form.values(), context)
            _problems_shown(form, result if isinstance(result, list) else [])
        return None
    try:
        entered = record_enter(
            actor=user, department=form.cleaned_data["department"], prefix=prefix,
            values=form.values(),
        )  # fmt: skip
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return None
    if isinstance(entered, list):
        _problems_shown(form, entered)
        return None
    return redirect("console-record", record_id=entered.record_id)


def _problems_shown(form: RecordForm, problems: list[Problem]) -> None:
    """Each problem beside its field (a field the form already refused keeps its own message)."""
    refused = set(form.errors)
    for problem in problems:
        code = problem.field.removeprefix(f"{form.field_set}_")
        if code not in form.fields:
            form.add_error(None, problem.message)
        elif code not in refused:
            form.add_error(code, problem.message)


def _chosen(departments: list[Department], raw: object) -> Department | None:
    return next((d for d in departments if str(d.pk) == str(raw)), None)


@login_required
def record_new(request: HttpRequest) -> HttpResponse:
    """Enter one record, or correct one (?from=<id> fills the form with its current values). A new
    entry starts with the department as deciding body and data source unit."""
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
    chosen = _chosen(departments, initial.get("department")) or next(iter(departments), None)
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        chosen = _chosen(departments, data.get("department"))
    if chosen is not None and not initial:
        for name, code in (AUTHORITY[prefix], SOURCE[prefix]):
            initial |= {name: chosen.name, code: chosen.code}
    locked = chosen is None or not chosen.is_upstream
    if data is not None and chosen is not None and locked:
        name, code = SOURCE[prefix]
        data[name], data[code] = chosen.name, chosen.code
    form = RecordForm(
        data, prefix=prefix, departments=departments, initial=initial, source_locked=locked
    )
    if request.method == "POST" and (entered := _enter(user, form)) is not None:
        return entered
    shown = [{"id": d.pk, "name": d.name, "code": d.code, "upstream": d.is_upstream}
             for d in departments]  # fmt: skip
    return render(request, "portal_theme/console/record_new.html",
                  {"form": form, "set": prefix, "set_name": SET_NAMES[prefix], "sets": SET_NAMES,
                   "correcting": bool(source), "departments": shown,
                   "authority": AUTHORITY[prefix], "source": SOURCE[prefix]})  # fmt: skip
