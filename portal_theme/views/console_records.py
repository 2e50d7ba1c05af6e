"""Console pages for data collection and records: thin views over services and selectors."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.accounts.policy import can
from core.audit.services import audit_record
from core.catalog.enums import Disclosure, SubjectScope
from core.catalog.models import CatalogCategory, CatalogItem, Department
from core.catalog.permissions import DEPARTMENT_DATA, department_id_of
from core.catalog.services import (
    catalog_item_add,
    catalog_supply_set,
    department_create,
    staff_create,
)
from core.collection.models import Submission, UploadBatchStatus
from core.collection.selectors import batch_access_by_id, batch_list_for
from core.collection.services import batch_create, record_enter
from core.collection.submissions import submission_accept, submission_reject
from core.common.actors import Actor
from core.common.errors import ApplicationError, NotFound
from core.common.tenancy import current_schema
from core.records.fields import FIELD_SETS, RECORD_KINDS
from core.records.selectors import record_get, record_list_for_subject
from core.records.services import record_withdraw
from core.remedies.selectors import remedies_for_record
from core.scoring.engine import SCORED_KINDS
from core.scoring.selectors import score_current, score_explain, score_history
from core.subjects.protection import decrypt
from core.subjects.selectors import subject_get, subject_search
from portal_theme.views.access import staff as _user
from portal_theme.views.console_staff import staff_locks
from portal_theme.views.inputs import posted_text
from portal_theme.views.search_tokens import (
    CONSOLE,
    EXPIRED,
    UNAVAILABLE,
    search_token_issue,
    search_token_read,
    see_other,
)
from tenants.links import first_login_path

WRITERS = (StaffRole.DISTRICT_ADMIN, StaffRole.DATA_CLERK, StaffRole.REVIEWER)
QUERY_NOT_IN_URL = "为保护个人信息，查询内容不在网址中传递，请在查询框中输入后点击“查询”"


def _departments_for(user: User) -> list[Department]:
    if user.role == StaffRole.DATA_CLERK:
        own = department_id_of(user)
        return list(Department.objects.filter(pk=own)) if own is not None else []
    return list(Department.objects.filter(is_active=True).order_by("name"))


def _limit_departments(form: forms.Form, departments: list[Department]) -> None:
    """Offer only the departments this user may report for."""
    field = form.fields["department"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = Department.objects.filter(pk__in=[d.pk for d in departments])


class UploadForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="报送部门", empty_label=None
    )
    file = forms.FileField(label="数据文件（CSV或XLSX）")

    def __init__(self, *args: object, departments: list[Department], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _limit_departments(self, departments)


@login_required
def uploads(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    departments = _departments_for(user)
    form = UploadForm(request.POST or None, request.FILES or None, departments=departments)
    if request.method == "POST" and user.role in WRITERS and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = batch_create(
                actor=Actor.for_user(user, schema=current_schema()),
                user=user,
                department=form.cleaned_data["department"],
                filename=upload.name,
                content=upload,
                size=upload.size,
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("console-upload", batch_id=batch.pk)
    return render(
        request,
        "portal_theme/console/uploads.html",
        {
            "form": form,
            "batches": batch_list_for(user)[:50],
            "can_upload": user.role in WRITERS and departments,
        },
    )


def _batch(request: HttpRequest, batch_id: int):  # type: ignore[no-untyped-def]
    try:
        return batch_access_by_id(_user(request), batch_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def upload_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    return render(
        request,
        "portal_theme/console/upload_detail.html",
        {
            "batch": batch,
            "running": batch.status in (UploadBatchStatus.QUEUED, UploadBatchStatus.RUNNING),
            "rejected_rows": batch.rejected_rows.all()[:500],
            "results_url": default_storage.url(batch.results_name) if batch.results_name else "",
            "rejected_url": default_storage.url(batch.rejected_name) if batch.rejected_name else "",
        },
    )


@login_required
def upload_progress(request: HttpRequest, batch_id: int) -> JsonResponse:
    batch = _batch(request, batch_id)
    return JsonResponse(
        {
            "status": batch.status,
            "status_display": batch.get_status_display(),
            "rows_done": batch.rows_done,
            "rows_total": batch.rows_total,
            "stored": batch.stored,
            "updated": batch.updated,
            "duplicate": batch.duplicate,
            "rejected": batch.rejected,
        }
    )


@login_required
def subjects(request: HttpRequest) -> HttpResponse:
    """主体查询. Every query (an ID number, a code, a person's name) is POSTed and shown on a
    token's result page (search_tokens.py); a query in the URL is never read."""
    if request.method == "POST":
        query = posted_text(request, "q", max_length=200)
        if not query:
            return see_other("/console/subjects/")
        token = search_token_issue(request, scope=CONSOLE, query=query)
        if token is None:
            return _subjects_page(request, query="", error=UNAVAILABLE, status=503)
        return see_other(f"/console/subjects/r/{token}/")
    if "q" in request.GET:
        messages.info(request, QUERY_NOT_IN_URL)
        return see_other("/console/subjects/")
    return _subjects_page(request, query="")


@login_required
@never_cache
def subject_results(request: HttpRequest, token: str) -> HttpResponse:
    query = search_token_read(request, scope=CONSOLE, token=token)
    if query is None:
        return _subjects_page(request, query="", error=EXPIRED, status=410)
    return _subjects_page(request, query=query)


def _subjects_page(
    request: HttpRequest, *, query: str, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal_theme/console/subjects.html",
        {"query": query, "subjects": subject_search(query=query), "error": error},
        status=status,
    )


@login_required
def subject_detail(request: HttpRequest, subject_id: int) -> HttpResponse:
    try:
        subject = subject_get(subject_id=subject_id)
    except Exception as exc:
        raise Http404("没有这个主体") from exc
    today = timezone.localdate()
    score = score_current(subject.pk)
    return render(
        request,
        "portal_theme/console/subject_detail.html",
        {
            "subject": subject,
            "records": record_list_for_subject(subject_id=subject.pk, today=today),
            "scored": subject.kind in SCORED_KINDS,
            "explained": score_explain(score) if score else None,
            "history": score_history(subject.pk, limit=20),
        },
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=300)
    revoked_on = forms.DateField(
        label="撤销或变更决定日期", widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    try:
        record = record_get(record_id=record_id, today=today)
    except NotFound as exc:
        raise Http404(exc.message) from exc
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
         "can_withdraw": user.role in (StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER),
         "can_take": user.role in (StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.WINDOW_CLERK),
         "objections": objections, "repairs": repairs},
    )  # fmt: skip


SET_NAMES = {"CF": "行政处罚", "XK": "行政许可", "JL": "其他信用记录（通用模板）"}


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
        _limit_departments(self, departments)
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


@login_required
def record_new(request: HttpRequest) -> HttpResponse:
    """Enter one record, or correct one (?from=<id> fills the form with its current values)."""
    user = _user(request)
    departments = _departments_for(user)
    prefix = request.POST.get("set") or request.GET.get("set") or "CF"
    initial: dict[str, object] = {}
    source = request.GET.get("from")
    if source and source.isdigit():
        try:
            record = record_get(record_id=int(source), today=timezone.localdate())
        except NotFound as exc:
            raise Http404(exc.message) from exc
        prefix = next(
            (p for p in FIELD_SETS if any(k.startswith(p + "_") for k in record.fields)), "CF"
        )
        # Only a user who may correct the record for its department sees the identity number
        # it supplied; anyone else starts from the masked value.
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
        initial = {k.split("_", 1)[1]: v for k, v in supplied.items()} | {
            "department": record.department_id
        }
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


class StaffForm(forms.Form):
    email = forms.EmailField(label="电子邮箱")
    full_name = forms.CharField(label="姓名", max_length=100)
    role = forms.ChoiceField(label="角色", choices=StaffRole.choices)
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True), label="所属部门", required=False
    )


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role != StaffRole.DISTRICT_ADMIN:
        raise Http404("只有区县管理员可以管理职员")
    form = StaffForm(request.POST or None)
    link = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created, token = staff_create(
                actor=user,
                email=data["email"],
                full_name=data["full_name"],
                role=StaffRole(data["role"]),
                department_id=data["department"].pk if data["department"] else None,
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            link = request.build_absolute_uri(first_login_path(token))
            form = StaffForm()
    people = list(User.objects.select_related("assignment__department").order_by("email"))
    locks = staff_locks(people)
    rows = [(p, locks.get(p.email)) for p in people]
    return render(request, "portal_theme/console/staff.html",
                  {"form": form, "people": people, "rows": rows, "link": link})  # fmt: skip


TEMPLATE_NAMES = {"CF": "行政处罚", "XK": "行政许可", "JL": "通用信用记录"}


@login_required
def upload_template(request: HttpRequest, prefix: str) -> HttpResponse:
    """A blank file with the field set's Chinese headers (UTF-8 with BOM, so Excel opens it)."""
    if prefix not in FIELD_SETS:
        raise Http404("没有这种模板")
    header = ",".join(s.label for s in FIELD_SETS[prefix])
    response = HttpResponse(
        ("\ufeff" + header + "\n").encode(), content_type="text/csv; charset=utf-8"
    )
    filename = quote(f"{TEMPLATE_NAMES[prefix]}模板.csv")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def submissions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role not in (StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN, StaffRole.AUDITOR):
        raise Http404("只有审核员、区县管理员和审计员可以查看信用征集")
    items = Submission.objects.order_by("status", "-created_at")[:200]
    return render(request, "portal_theme/console/submissions.html", {"submissions": items})


class AcceptForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True), label="认定部门", empty_label=None
    )
    LX = forms.ChoiceField(label="记录类别", choices=[(k, k) for k in RECORD_KINDS])
    WSH = forms.CharField(label="认定文书号", max_length=128)
    NR = forms.CharField(label="认定事由或内容", widget=forms.Textarea(attrs={"rows": 3}))
    JDRQ = forms.DateField(label="认定日期", widget=forms.DateInput(attrs={"type": "date"}))
    YXQZI = forms.DateField(
        label="有效期至（选填）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label="审核意见", max_length=500, required=False)


class RejectForm(forms.Form):
    note = forms.CharField(label="未采纳理由", max_length=500)


@login_required
def submission_review(request: HttpRequest, submission_id: int) -> HttpResponse:
    user = _user(request)
    if user.role not in (StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN):
        raise Http404("只有审核员或区县管理员可以审核信用征集")
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        raise Http404("没有这条信用征集")
    accept = AcceptForm(request.POST if "accept" in request.POST else None,
                        initial={"NR": submission.content, "JDRQ": timezone.localdate()})  # fmt: skip
    reject = RejectForm(request.POST if "reject" in request.POST else None)
    try:
        if "accept" in request.POST and accept.is_valid():
            data = accept.cleaned_data
            department = data["department"]
            values = {
                "XDR_MC": submission.subject_name, "XDR_LB": "法人及非法人组织", "XDR_SHXYM": submission.subject_code,
                "LX": data["LX"], "WSH": data["WSH"], "NR": data["NR"], "JDRQ": data["JDRQ"].isoformat(),
                "YXQZI": data["YXQZI"].isoformat() if data["YXQZI"] else "", "JG": department.name,
                "JGDM": department.code, "SJLY": department.name, "SJLYDM": department.code,
                "BZ": f"来源：信用征集 {submission.receipt_no}",
            }  # fmt: skip
            result = submission_accept(actor=user, submission=submission, department=department,
                                       values=values, note=data["note"])  # fmt: skip
            if isinstance(result, list):
                for problem in result:
                    code = problem.field.removeprefix("JL_")
                    accept.add_error(
                        code if code in accept.fields else None,
                        f"{problem.label}：{problem.message}",
                    )
            else:
                return redirect("console-record", record_id=result.record_id)
        if "reject" in request.POST and reject.is_valid():
            submission_reject(actor=user, submission=submission, note=reject.cleaned_data["note"])
            return redirect("console-submissions")
    except ApplicationError as exc:
        (accept if "accept" in request.POST else reject).add_error(None, exc.message)
    attachment_url = default_storage.url(submission.attachment) if submission.attachment else ""
    return render(request, "portal_theme/console/submission_review.html",
                  {"submission": submission, "accept": accept, "reject": reject, "attachment_url": attachment_url})  # fmt: skip


class DepartmentForm(forms.Form):
    code = forms.CharField(label="统一社会信用代码", max_length=30)
    name = forms.CharField(label="部门名称", max_length=100)


class SupplementForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=CatalogCategory.objects.order_by("number"), label="所属类别", empty_label=None
    )
    name = forms.CharField(label="信息项名称", max_length=200)
    disclosure = forms.ChoiceField(label="公开属性", choices=Disclosure.choices)
    subject_scope = forms.ChoiceField(label="适用主体", choices=SubjectScope.choices)


class SupplyForm(forms.Form):
    item = forms.ModelChoiceField(
        queryset=CatalogItem.objects.filter(is_active=True).order_by("code"),
        label="信息项",
        empty_label=None,
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True), label="报送部门", empty_label=None
    )
    deadline_working_days = forms.IntegerField(
        label="报送时限（工作日）", initial=7, min_value=1, max_value=60
    )


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """District admins keep the departments, the local supplement items and who supplies what."""
    user = _user(request)
    if user.role != StaffRole.DISTRICT_ADMIN:
        raise Http404("只有区县管理员可以维护目录与部门")
    forms_by_name = {
        "department": DepartmentForm(request.POST if "department_add" in request.POST else None),
        "supplement": SupplementForm(request.POST if "item_add" in request.POST else None),
        "supply": SupplyForm(request.POST if "supply_set" in request.POST else None),
    }
    done = ""
    try:
        if "department_add" in request.POST and forms_by_name["department"].is_valid():
            data = forms_by_name["department"].cleaned_data
            done = f"已添加部门：{department_create(actor=user, code=data['code'], name=data['name']).name}"
        elif "item_add" in request.POST and forms_by_name["supplement"].is_valid():
            data = forms_by_name["supplement"].cleaned_data
            item = catalog_item_add(actor=user, category=data["category"], name=data["name"],
                                    disclosure=data["disclosure"], subject_scope=data["subject_scope"])  # fmt: skip
            done = f"已添加本地补充信息项：{item.code} {item.name}"
        elif "supply_set" in request.POST and forms_by_name["supply"].is_valid():
            data = forms_by_name["supply"].cleaned_data
            catalog_supply_set(actor=user, item=data["item"], department=data["department"],
                               deadline_working_days=data["deadline_working_days"])  # fmt: skip
            done = f"已设置：{data['department'].name} 报送 {data['item'].name}"
    except ApplicationError as exc:
        name = {"department_add": "department", "item_add": "supplement", "supply_set": "supply"}[
            next(k for k in ("department_add", "item_add", "supply_set") if k in request.POST)
        ]
        form = forms_by_name[name]
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if done:
        return redirect(f"/console/catalogue/?done={quote(done)}")
    items = (
        CatalogItem.objects.select_related("category")
        .prefetch_related("supplies__department")
        .order_by("category__number", "code")
    )
    return render(request, "portal_theme/console/catalogue.html", {
        **forms_by_name, "items": items, "departments": Department.objects.order_by("name"), "done": request.GET.get("done", ""),
    })  # fmt: skip
