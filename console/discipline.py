"""信用核查与联合奖惩 in the staff console: the departments' matters and their rules (the district
admin registers and edits them), the check of a pasted or uploaded list, its result with the
findings, the measures and the department's feedback, the queue of feedback awaited and the list of
checks. Thin: the work is in core/discipline/."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from console.access import staff_permitted
from console.departments import departments_for
from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.accounts.policy import can
from core.catalog.models import Department
from core.catalog.permissions import EVERY_DEPARTMENT_DATA, department_id_of
from core.collection.readers import check_size, check_upload, read_rows
from core.common.actors import Actor
from core.common.errors import ApplicationError, NotFound, ValidationFailed
from core.common.forms import form_submit
from core.common.tenancy import current_schema
from core.discipline.enums import (
    FeedbackOutcome,
    Finding,
    MatterCategory,
    MeasureKind,
    RowStatus,
)
from core.discipline.models import Check, CheckRow, Matter, MatterVersion, Measure
from core.discipline.permissions import CHECK_RUN, CHECK_VIEW, MATTER_MANAGE
from core.discipline.selectors import (
    check_get,
    check_rows,
    checks_recent,
    feedback_awaiting,
    matter_latest_versions,
    matters_for,
    measures_active,
    measures_local,
)
from core.discipline.services import (
    MAX_LINES,
    MAX_SUBMITTED,
    check_run,
    feedback_record,
    matter_register,
    matter_rules_set,
    measure_add_local,
)

# A list longer than this is refused before it is checked (the service answers the lines past
# MAX_LINES one by one, so a list a little too long still tells the clerk where it stopped).
MAX_READ = MAX_SUBMITTED
# The column to check, by its header (the first of these found; codes before names).
HEADERS = ("统一社会信用代码", "身份证号码", "证件号码", "代码", "名称", "主体名称", "企业名称")
FINDING_LABELS = dict(Finding.choices)
KIND_LABELS = dict(MeasureKind.choices)
STATUS_LABELS = dict(RowStatus.choices)
OUTCOME_LABELS = dict(FeedbackOutcome.choices)
CATEGORY_LABELS = dict(MatterCategory.choices)


def _actor(user: User) -> Actor:
    return Actor.for_user(user, schema=current_schema())


def _sees_every(user: User) -> bool:
    """Reviewers and district admins act for every department; auditors read every one's."""
    return can(user, EVERY_DEPARTMENT_DATA) or user.role == StaffRole.AUDITOR


def _own_department(user: User) -> Department | None:
    """The department whose checks the user sees: None for every department; a clerk without a
    department sees nothing (404 with the reason)."""
    if _sees_every(user):
        return None
    own = department_id_of(user)
    department = Department.objects.filter(pk=own).first() if own is not None else None
    if department is None:
        raise Http404("您尚未分配到部门，请联系区县管理员")
    return department


# Matters -----------------------------------------------------------------------------------------


class MatterForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True).order_by("name"), label="部门",
        empty_label=None, error_messages={"required": "请选择部门",
                                          "invalid_choice": "所选部门不存在，请重新选择"},
    )  # fmt: skip
    name = forms.CharField(label="事项名称", max_length=200,
                           error_messages={"required": "请填写事项名称",
                                           "max_length": "事项名称不能超过200字"})  # fmt: skip
    category = forms.ChoiceField(label="事项类别", choices=MatterCategory.choices,
                                 error_messages={"required": "请选择事项类别",
                                                 "invalid_choice": "请选择事项类别"})  # fmt: skip
    legal_basis = forms.CharField(
        label="核查依据（法律法规或文件名称及条款）", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写核查依据（法律法规或文件名称及条款）",
                        "max_length": "核查依据不能超过500字"},
    )  # fmt: skip
    persons_allowed = forms.BooleanField(label="核查依据规定可核查自然人", required=False)
    feedback_days = forms.IntegerField(
        label="反馈时限（工作日）", initial=5,
        error_messages={"required": "请填写反馈时限", "invalid": "反馈时限应为整数"},
    )  # fmt: skip


class MeasureForm(forms.Form):
    measure_name = forms.CharField(label="措施名称", max_length=200,
                                   error_messages={"required": "请填写措施名称",
                                                   "max_length": "措施名称不能超过200字"})  # fmt: skip
    kind = forms.ChoiceField(label="类别", choices=MeasureKind.choices,
                             error_messages={"required": "请选择措施类别（失信惩戒或守信激励）",
                                             "invalid_choice": "请选择措施类别（失信惩戒或守信激励）"})  # fmt: skip
    measure_basis = forms.CharField(label="依据", max_length=500,
                                    error_messages={"required": "请填写措施的依据",
                                                    "max_length": "依据不能超过500字"})  # fmt: skip
    findings = forms.MultipleChoiceField(
        label="适用情形", choices=Finding.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择措施适用的情形",
                        "invalid_choice": "请选择措施适用的情形"},
    )  # fmt: skip


@login_required
def matters(request: HttpRequest) -> HttpResponse:
    user = staff_permitted(request, CHECK_VIEW)
    manages = can(user, MATTER_MANAGE)
    posted = request.POST if request.method == "POST" and manages else None
    matter_form = MatterForm(posted if posted and "register" in posted else None)
    measure_form = MeasureForm(posted if posted and "measure" in posted else None)
    done = ""
    if posted is not None:

        def register(data: dict[str, Any]) -> HttpResponse:
            matter = matter_register(
                actor=_actor(user), department=data["department"], name=data["name"],
                category=data["category"], legal_basis=data["legal_basis"],
                persons_allowed=data["persons_allowed"], feedback_days=data["feedback_days"],
            )  # fmt: skip
            return redirect("console-discipline-matter", matter_id=matter.pk)

        def add_measure(data: dict[str, Any]) -> HttpResponse:
            measure_add_local(
                actor=_actor(user), name=data["measure_name"], kind=data["kind"],
                legal_basis=data["measure_basis"], findings=data["findings"],
            )  # fmt: skip
            return redirect("/console/discipline/matters/?done=measure")

        for form, act in ((matter_form, register), (measure_form, add_measure)):
            if form.is_bound and (response := form_submit(request, form, act)):
                return response
    if request.GET.get("done") == "measure":
        done = "已添加本地措施，可在事项的核查规则中选用"
    own = None if _sees_every(user) else _own_department(user)
    listed = list(matters_for(department=own, active=False).order_by("department__name", "name"))
    versions = matter_latest_versions(listed)
    rows = [{"matter": m, "category": CATEGORY_LABELS.get(m.category, ""),
             "version": versions.get(m.pk)} for m in listed]  # fmt: skip
    local = measures_local()
    return render(request, "portal_theme/console/discipline_matters.html", {
        "rows": rows, "manages": manages, "matter_form": matter_form,
        "measure_form": measure_form, "done": done,
        "local": [{"measure": m, "kind": KIND_LABELS.get(m.kind, ""),
                   "findings": [FINDING_LABELS.get(f, "") for f in m.findings]} for m in local],
    })  # fmt: skip


@dataclass(frozen=True)
class RuleChoice:
    code: str
    name: str
    basis: str
    ticked: bool


@dataclass(frozen=True)
class RuleFinding:
    finding: str
    label: str
    choices: list[RuleChoice]


def _rules_of(version: MatterVersion) -> list[dict[str, Any]]:
    """The version's rules by finding, in the order of the findings."""
    by_finding: dict[str, list[Measure]] = {}
    for rule in version.rules.select_related("measure").order_by("measure__code"):
        by_finding.setdefault(rule.finding, []).append(rule.measure)
    return [{"label": label, "measures": by_finding[f]}
            for f, label in Finding.choices if f in by_finding]  # fmt: skip


@login_required
def matter_detail(request: HttpRequest, matter_id: int) -> HttpResponse:
    user = staff_permitted(request, CHECK_VIEW)
    own = None if _sees_every(user) else _own_department(user)
    matter = matters_for(department=own, active=False).filter(pk=matter_id).first()
    if matter is None:
        raise Http404("没有这个核查事项")
    manages = can(user, MATTER_MANAGE)
    versions = list(matter.versions.order_by("-number"))
    current = versions[0] if versions else None
    chosen = (
        {(r.finding, r.measure.code) for r in current.rules.select_related("measure")}
        if current
        else set()
    )
    error = ""
    if request.method == "POST" and manages:
        posted = {(f, c) for f in Finding.values for c in request.POST.getlist(f"rule_{f}")}
        try:
            matter_rules_set(actor=_actor(user), matter=matter, rules=sorted(posted))
        except ApplicationError as exc:
            error, chosen = exc.message, posted
        else:
            return redirect("console-discipline-matter", matter_id=matter.pk)
    measures = list(measures_active())
    editor = [
        RuleFinding(f, label, [
            RuleChoice(m.code, m.name, m.legal_basis, (f, m.code) in chosen)
            for m in measures
            if (m.kind == MeasureKind.INCENTIVE) == (f == Finding.RED_LIST)
            or (f, m.code) in chosen
        ])
        for f, label in Finding.choices
    ]  # fmt: skip
    return render(request, "portal_theme/console/discipline_matter.html", {
        "matter": matter, "category": CATEGORY_LABELS.get(matter.category, ""),
        "current": current, "manages": manages, "editor": editor, "error": error,
        "history": [{"version": v, "rules": _rules_of(v)} for v in versions],
    })  # fmt: skip


# Checks ------------------------------------------------------------------------------------------


class MatterChoiceField(forms.ModelChoiceField[Matter]):
    def label_from_instance(self, obj: Matter) -> str:
        return f"{obj.department.name}：{obj.name}"


class CheckForm(forms.Form):
    matter = MatterChoiceField(
        queryset=Matter.objects.none(), label="核查事项", empty_label=None,
        error_messages={"required": "请选择核查事项",
                        "invalid_choice": "所选事项不存在或已停用，请重新选择"},
    )  # fmt: skip
    codes = forms.CharField(
        label="统一社会信用代码、身份证号码或主体名称（每行一个）", required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )  # fmt: skip
    file = forms.FileField(label="或上传名单文件（CSV或XLSX）", required=False)

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["matter"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            matters_for().filter(department__in=departments).order_by("department__name", "name")
        )


def _file_entries(upload: Any) -> list[str]:
    """The list in an uploaded CSV or XLSX: the column headed 统一社会信用代码, 代码, 名称 or
    身份证号码 (after its header row), or else the first column of every row."""
    check_size(upload.size)
    content = io.BytesIO(upload.read())
    check_upload(content)
    rows = read_rows(content, upload.name)
    try:
        table = list(islice(rows, MAX_READ + 2))
    finally:
        rows.close()
    column = 0
    if table:
        header = [c.strip() for c in table[0]]
        named = next((header.index(h) for h in HEADERS if h in header), None)
        if named is not None:
            column, table = named, table[1:]
    return [row[column] if len(row) > column else "" for row in table]


def _entries(form: CheckForm) -> list[str]:
    upload = form.cleaned_data.get("file")
    entries = _file_entries(upload) if upload else form.cleaned_data["codes"].splitlines()
    while entries and not entries[-1].strip():
        entries.pop()
    if sum(1 for e in entries if e.strip()) > MAX_READ:
        raise ValidationFailed(
            f"名单超过{MAX_READ}行：每次最多核查{MAX_LINES}条，请拆分后分批核查",
            field="file" if upload else "codes",
        )
    return entries


@login_required
def check(request: HttpRequest) -> HttpResponse:
    user = staff_permitted(request, CHECK_VIEW)
    departments = [d for d in departments_for(user) if can(user, CHECK_RUN, d.pk)]
    form = CheckForm(request.POST or None, request.FILES or None, departments=departments)

    def run(data: dict[str, Any]) -> HttpResponse:
        matter: Matter = data["matter"]
        if not can(user, CHECK_RUN, matter.department_id):
            form.add_error("matter", CHECK_RUN.message)
            return _check_page(request, form, departments)
        done = check_run(actor=_actor(user), department=matter.department, matter=matter,
                         entries=_entries(form))  # fmt: skip
        return redirect("console-discipline-check", number=done.number)

    if departments and (response := form_submit(request, form, run)):
        return response
    return _check_page(request, form, departments)


def _check_page(
    request: HttpRequest, form: CheckForm, departments: list[Department]
) -> HttpResponse:
    return render(request, "portal_theme/console/discipline_check.html", {
        "form": form, "may_run": bool(departments), "max_lines": MAX_LINES,
        "headers": ("统一社会信用代码", "代码", "名称", "身份证号码"),
    })  # fmt: skip


class FeedbackForm(forms.Form):
    applied = forms.TypedChoiceField(
        label="已采取措施", choices=[("1", "是"), ("0", "否")], coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择是否已采取措施", "invalid_choice": "请选择是否已采取措施"},
    )  # fmt: skip
    outcome = forms.ChoiceField(
        label="办理结果", choices=[("", "请选择"), *FeedbackOutcome.choices],
        error_messages={"required": "请选择办理结果", "invalid_choice": "请选择办理结果"},
    )  # fmt: skip
    measures = forms.MultipleChoiceField(
        label="采取的措施", required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所选措施不在本次核查的适用措施中，请重新勾选"},
    )  # fmt: skip
    note = forms.CharField(label="说明", required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"max_length": "说明不能超过500字"})  # fmt: skip

    def __init__(self, *args: Any, row: CheckRow, **kwargs: Any) -> None:
        kwargs["prefix"] = f"row{row.position}"
        super().__init__(*args, **kwargs)
        field = self.fields["measures"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(m["code"], m["name"]) for m in row.measures]


@dataclass
class ResultRow:
    row: CheckRow
    status: str
    findings: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    feedback: Any = None
    outcome: str = ""
    applied_measures: list[str] = field(default_factory=list)
    form: FeedbackForm | None = None
    error: str = ""


def _check_for(user: User, number: str) -> Check:
    try:
        return check_get(number=number, department=_own_department(user))
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def check_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = staff_permitted(request, CHECK_VIEW)
    found = _check_for(user, number)
    may_feed_back = can(user, CHECK_RUN, found.department_id)
    rows = list(check_rows(found))
    posted_position = request.POST.get("row", "") if request.method == "POST" else ""
    shown: list[ResultRow] = []
    for row in rows:
        feedback = getattr(row, "feedback", None) if row.status == RowStatus.HIT else None
        names = {m["code"]: m["name"] for m in row.measures}
        result = ResultRow(
            row=row, status=STATUS_LABELS.get(row.status, ""), findings=row.findings,
            measures=[{**m, "kind_label": KIND_LABELS.get(m["kind"], "")} for m in row.measures],
            feedback=feedback,
            outcome=OUTCOME_LABELS.get(feedback.outcome, "") if feedback else "",
            applied_measures=[names.get(c, "") for c in feedback.measures] if feedback else [],
        )  # fmt: skip
        if row.status == RowStatus.HIT and may_feed_back:
            bound = posted_position == str(row.position)
            form = FeedbackForm(request.POST if bound else None, row=row)
            if bound:

                def record(data: dict[str, Any], row: CheckRow = row) -> HttpResponse:
                    feedback_record(
                        actor=_actor(user), department=found.department, row=row,
                        applied=data["applied"], outcome=data["outcome"],
                        measures=data["measures"], note=data["note"],
                    )  # fmt: skip
                    return redirect(
                        f"/console/discipline/checks/{found.number}/#row-{row.position}"
                    )

                if response := form_submit(request, form, record):
                    return response
                result.error = "；".join(str(e) for e in form.non_field_errors())
            result.form = form
        shown.append(result)
    return render(request, "portal_theme/console/discipline_result.html", {
        "check": found, "rows": shown, "may_feed_back": may_feed_back,
    })  # fmt: skip


@login_required
def checks(request: HttpRequest) -> HttpResponse:
    user = staff_permitted(request, CHECK_VIEW)
    own = _own_department(user)
    return render(request, "portal_theme/console/discipline_checks.html", {
        "checks": checks_recent(department=own), "department": own,
        "may_run": any(can(user, CHECK_RUN, d.pk) for d in departments_for(user)),
    })  # fmt: skip


@login_required
def feedback_queue(request: HttpRequest) -> HttpResponse:
    user = staff_permitted(request, CHECK_VIEW)
    own = _own_department(user)
    departments: list[Department] = []
    chosen = own
    if own is None:
        departments = list(Department.objects.filter(is_active=True).order_by("name"))
        raw = request.GET.get("department", "")
        chosen = next((d for d in departments if str(d.pk) == raw), None)
    waiting = sorted(feedback_awaiting(department=chosen), key=lambda a: not a.overdue)
    return render(request, "portal_theme/console/discipline_feedback.html", {
        "waiting": waiting, "departments": departments, "chosen": chosen, "own": own,
        "overdue": sum(1 for a in waiting if a.overdue),
    })  # fmt: skip
