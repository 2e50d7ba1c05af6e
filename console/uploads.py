"""数据上传: departments' files (CSV or XLSX) in the national field sets, their progress and what
was rejected, and the blank templates. Thin: core.collection ingests."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from console.access import staff
from console.departments import departments_for, limit_departments, may_enter
from core.catalog.models import Department
from core.collection.models import MappingProfile, UploadBatch, UploadBatchStatus
from core.collection.selectors import (
    IGNORE_CHOICE,
    batch_access_by_id,
    batch_list_for,
    batch_mapping_view,
    mapping_profiles_for,
)
from core.collection.services import (
    batch_create,
    batch_mapping_confirm,
    profile_delete,
    profile_update,
)
from core.common.actors import Actor
from core.common.errors import ApplicationError, NotFound
from core.common.tenancy import current_schema
from core.records.fields import FIELD_SETS

TEMPLATE_NAMES = {"CF": "行政处罚", "XK": "行政许可", "JL": "通用信用记录"}


class UploadForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="报送部门", empty_label=None
    )
    file = forms.FileField(label="数据文件（CSV或XLSX）")

    def __init__(self, *args: object, departments: list[Department], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit_departments(self, departments)


@login_required
def uploads(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    departments = departments_for(user)
    may_upload = may_enter(user, departments)
    form = UploadForm(request.POST or None, request.FILES or None, departments=departments)
    if request.method == "POST" and may_upload and form.is_valid():
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
        {"form": form, "batches": batch_list_for(user)[:50], "can_upload": may_upload},
    )


def _batch(request: HttpRequest, batch_id: int) -> UploadBatch:
    try:
        return batch_access_by_id(staff(request), batch_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def upload_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    kind = request.GET.get("kind")
    return _detail(request, batch, kind=kind if kind in FIELD_SETS else None)


def _detail(
    request: HttpRequest,
    batch: UploadBatch,
    *,
    kind: str | None = None,
    decisions: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    waiting = batch.status == UploadBatchStatus.MAPPING
    view = None
    if batch.mapping.get("headers"):
        view = batch_mapping_view(batch, kind=kind if waiting else None, decisions=decisions)
    return render(
        request,
        "portal_theme/console/upload_detail.html",
        {
            "batch": batch,
            "mapping": view,
            "waiting": waiting,
            "may_map": waiting and may_enter(staff(request), [batch.department]),
            "kinds": TEMPLATE_NAMES,
            "ignore": IGNORE_CHOICE,
            "running": batch.status in (UploadBatchStatus.QUEUED, UploadBatchStatus.RUNNING),
            "rejected_rows": batch.rejected_rows.all()[:500],
            "results_url": default_storage.url(batch.results_name) if batch.results_name else "",
            "rejected_url": default_storage.url(batch.rejected_name) if batch.rejected_name else "",
        },
        status=status,
    )


@login_required
@require_POST
def upload_mapping(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The clerk's decisions on a waiting batch's columns: confirmed, the ingest queued; or the
    page again with every remaining problem."""
    batch = _batch(request, batch_id)
    user = staff(request)
    kind = request.POST.get("kind", "")
    decisions = _decisions(request, len(batch.mapping.get("headers") or []))
    try:
        batch_mapping_confirm(
            actor=Actor.for_user(user, schema=current_schema()),
            user=user,
            batch=batch,
            kind=kind,
            decisions=decisions,
        )
    except ApplicationError as exc:
        # The page again with the clerk's choices kept and every remaining problem listed.
        if not exc.details.get("problems"):
            messages.error(request, exc.message)
        batch.refresh_from_db()
        known = kind if kind in FIELD_SETS else None
        return _detail(request, batch, kind=known, decisions=decisions, status=400)
    return redirect("console-upload", batch_id=batch.pk)


def _decisions(request: HttpRequest, width: int) -> dict[int, str]:
    """Column index → field code, or "" to ignore it, from the form's col-N selects (a column
    left on 请选择 stays undecided)."""
    decisions = {}
    for index in range(width):
        value = request.POST.get(f"col-{index}", "")
        if value:
            decisions[index] = "" if value == IGNORE_CHOICE else value
    return decisions


@login_required
def mapping_profiles(request: HttpRequest) -> HttpResponse:
    """列映射方案: the departments' saved decisions, each applied to the next file with the same
    headers; one can be deleted (the next such file then waits for the clerk again)."""
    user = staff(request)
    profiles = mapping_profiles_for(user)
    if request.method == "POST":
        profile = profiles.filter(pk=request.POST.get("delete") or 0).first()
        if profile is None:
            raise Http404("没有这个映射方案")
        try:
            profile_delete(
                actor=Actor.for_user(user, schema=current_schema()), user=user, profile=profile
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "映射方案已删除：下次上传相同表头的文件时将重新确认列映射")
        return redirect("console-mapping-profiles")
    rows = [
        {
            "profile": p,
            "kind_name": TEMPLATE_NAMES.get(p.kind, p.kind),
            "mapped": _profile_summary(p),
        }
        for p in profiles
    ]
    return render(request, "portal_theme/console/mapping_profiles.html", {"rows": rows})


@login_required
def mapping_profile_edit(request: HttpRequest, profile_id: int) -> HttpResponse:
    """One saved mapping profile, its decisions changeable column by column."""
    user = staff(request)
    profile = mapping_profiles_for(user).filter(pk=profile_id).first()
    if profile is None:
        raise Http404("没有这个映射方案")
    problems: list[str] = []
    decisions = {int(i): t for i, t in profile.decisions.items()}
    status = 200
    if request.method == "POST":
        decisions = _decisions(request, len(profile.headers))
        try:
            profile_update(
                actor=Actor.for_user(user, schema=current_schema()),
                user=user,
                profile=profile,
                decisions=decisions,
            )
        except ApplicationError as exc:
            problems = exc.details.get("problems") or [exc.message]
            status = 400
        else:
            messages.success(request, "映射方案已保存：下次上传表头相同的文件时按新的映射导入")
            return redirect("console-mapping-profiles")
    specs = FIELD_SETS.get(profile.kind, [])
    rows = [
        {
            "index": index,
            "header": header,
            "target": IGNORE_CHOICE if decisions.get(index) == "" else decisions.get(index),
        }
        for index, header in enumerate(profile.headers)
    ]
    return render(
        request,
        "portal_theme/console/mapping_profile.html",
        {
            "profile": profile,
            "kind_name": TEMPLATE_NAMES.get(profile.kind, profile.kind),
            "rows": rows,
            "choices": [(s.code, s.label) for s in specs],
            "ignore": IGNORE_CHOICE,
            "problems": problems,
        },
        status=status,
    )


def _profile_summary(profile: MappingProfile) -> list[tuple[str, str]]:
    """Each column of the profile's headers and what it becomes, in Chinese."""
    labels = {s.code: s.label for s in FIELD_SETS.get(profile.kind, [])}
    summary = []
    for index, header in enumerate(profile.headers):
        target = profile.decisions.get(str(index))
        if target is None:
            shown = "未确定"
        elif target == "":
            shown = "不导入"
        elif target.startswith("check:"):
            shown = "仅核对"
        else:
            shown = labels.get(target, target)
        summary.append((header or "（无表头）", shown))
    return summary


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
