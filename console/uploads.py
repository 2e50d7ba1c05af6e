"""数据上传: departments' files (CSV or XLSX) in the national field sets, their progress and what
was rejected, and the blank templates. Thin: core.collection ingests."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from console.access import staff
from console.departments import departments_for, limit_departments, may_enter
from core.catalog.models import Department
from core.collection.models import UploadBatch, UploadBatchStatus
from core.collection.selectors import batch_access_by_id, batch_list_for
from core.collection.services import batch_create
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
