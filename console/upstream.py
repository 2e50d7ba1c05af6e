"""上级平台报送: the district admin sets the token of the upstream platforms (信用重庆, 信用中国)
the operator configured, downloads the national-format files, builds and pushes batches and reads
upstream's answers. The platforms' names and URLs are shown, never edited here: only the operator
sets where people's data goes (provisioning/services/upstream.py). Thin: the work is in core.upstream."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from console.access import staff_permitted
from core.common.errors import ApplicationError, NotFound
from core.common.forms import date_input, form_error
from core.upstream.enums import ExportFormat, ItemResult, OutboxBatchStatus
from core.upstream.models import OutboxItem, UpstreamEndpoint
from core.upstream.permissions import UPSTREAM_MANAGE
from core.upstream.selectors import (
    batch_get,
    batch_items,
    batch_list,
    endpoint_get,
    endpoint_list,
    next_period_start,
)
from core.upstream.services import (
    EndpointChanges,
    outbox_batch_resend,
    outbox_batches_build,
    upstream_endpoint_update,
    upstream_export,
)

OPERATOR_ONLY = "上级平台及其上报地址由运营方设置，请选择列表中的上级平台编辑访问令牌"
DATE_ERRORS = {"required": "请选择日期", "invalid": "日期格式应为yyyy-MM-dd，如2026-03-15"}


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        error_messages=DATE_ERRORS,
        # The ISO form whatever the locale: a date input shows nothing else.
        widget=date_input(),
    )


class EndpointForm(forms.Form):
    token = forms.CharField(
        label="访问令牌（留空则保留原令牌）",
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    enabled = forms.BooleanField(label="启用推送", required=False)
    source_code = forms.CharField(
        label="上级平台统一社会信用代码（用于导入其回传的文件，可不填）",
        max_length=30,
        required=False,
    )


class ExportForm(forms.Form):
    start = _date_field("起始日期")
    end = _date_field("截止日期")
    fmt = forms.ChoiceField(label="格式", choices=ExportFormat.choices)


class BuildForm(forms.Form):
    endpoint = forms.ModelChoiceField(
        label="上级平台",
        queryset=UpstreamEndpoint.objects.none(),
        empty_label=None,
        error_messages={"required": "请选择上级平台", "invalid_choice": "请选择已启用的上级平台"},
    )
    start = _date_field("起始日期")
    end = _date_field("截止日期")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["endpoint"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = endpoint_list().filter(enabled=True)


def _endpoint_form(request: HttpRequest, editing: UpstreamEndpoint | None) -> EndpointForm:
    if "endpoint_save" in request.POST:
        return EndpointForm(request.POST)
    if editing is None:
        return EndpointForm()
    return EndpointForm(initial={
        "enabled": editing.enabled,
        "source_code": editing.department.code if editing.department else "",
    })  # fmt: skip


def _editing(raw: str | None) -> UpstreamEndpoint | None:
    if not raw:
        return None
    try:
        return endpoint_get(endpoint_id=int(raw))
    except (ValueError, NotFound) as exc:
        raise Http404("没有这个上级平台") from exc


def _build_initial(today: date) -> dict[str, object]:
    first = endpoint_list().filter(enabled=True).first()
    start = next_period_start(endpoint=first, today=today) if first else today.replace(day=1)
    return {"endpoint": first, "start": start, "end": today}


@login_required
def upstream(request: HttpRequest) -> HttpResponseBase:
    user = staff_permitted(request, UPSTREAM_MANAGE)
    today = timezone.localdate()
    editing = _editing(request.POST.get("endpoint_id") or request.GET.get("edit"))
    endpoint_form = _endpoint_form(request, editing)
    # Distinct element ids per form (the export and build forms share field names).
    build_form = BuildForm(request.POST if "build" in request.POST else None,
                           initial=_build_initial(today), auto_id="build_%s")  # fmt: skip
    export_form = ExportForm(
        request.GET if "export" in request.GET else None,
        initial={"start": today.replace(day=1), "end": today, "fmt": ExportFormat.XLSX_PENALTY},
        auto_id="export_%s",
    )
    try:
        if "export" in request.GET and export_form.is_valid():
            data = export_form.cleaned_data
            exported = upstream_export(actor=user, start=data["start"], end=data["end"],
                                       fmt=data["fmt"])  # fmt: skip
            return FileResponse(exported.content, as_attachment=True, filename=exported.name,
                                content_type=exported.content_type)  # fmt: skip
    except ApplicationError as exc:
        form_error(export_form, exc)
    done = ""
    try:
        if "endpoint_save" in request.POST and editing is None:
            endpoint_form.add_error(None, OPERATOR_ONLY)
        elif "endpoint_save" in request.POST and endpoint_form.is_valid():
            assert editing is not None
            data = endpoint_form.cleaned_data
            saved = upstream_endpoint_update(
                actor=user,
                endpoint_id=editing.pk,
                changes=EndpointChanges(
                    token=data["token"] or None,
                    enabled=data["enabled"],
                    source_code=data["source_code"],
                ),
            )
            done = f"已保存上级平台：{saved.name}"
        elif "build" in request.POST and build_form.is_valid():
            data = build_form.cleaned_data
            batches = outbox_batches_build(actor=user, endpoint_id=data["endpoint"].pk,
                                           start=data["start"], end=data["end"])  # fmt: skip
            items = sum(b.item_count for b in batches)
            done = (
                f"已生成{len(batches)}个批次，共{items}条记录，正在向{data['endpoint'].name}发送"
                if batches
                else f"{data['start']:%Y-%m-%d}至{data['end']:%Y-%m-%d}没有需要上报的记录"
                "（没有变动，或均已上报）"
            )
    except ApplicationError as exc:
        form: forms.Form = endpoint_form if "endpoint_save" in request.POST else build_form
        form_error(form, exc)
    if done:
        return redirect(f"/console/upstream/?done={quote(done)}")
    return render(request, "portal_theme/console/upstream.html", {
        "endpoints": endpoint_list(), "endpoint_form": endpoint_form, "editing": editing,
        "build_form": build_form, "export_form": export_form, "batches": batch_list()[:50],
        "done": request.GET.get("done", ""),
    })  # fmt: skip


@login_required
def upstream_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = staff_permitted(request, UPSTREAM_MANAGE)
    try:
        batch = batch_get(batch_id=batch_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    error = ""
    if request.method == "POST" and "resend" in request.POST:
        try:
            outbox_batch_resend(actor=user, batch_pk=batch.pk)
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect(f"/console/upstream/batches/{batch.pk}/?done=1")
    return render(request, "portal_theme/console/upstream_batch.html", {
        "batch": batch, "error": error, "done": request.GET.get("done") == "1",
        "rejected": _rows(batch_items(batch=batch, result=ItemResult.REJECTED)[:SHOWN]),
        "items": _rows(batch_items(batch=batch)[:SHOWN]), "shown": SHOWN,
        "resendable": batch.status in (OutboxBatchStatus.FAILED, OutboxBatchStatus.RETRYING),
    })  # fmt: skip


SHOWN = 500
KIND_NAMES = {"XK": "行政许可", "CF": "行政处罚"}


def _rows(items: Iterable[OutboxItem]) -> list[dict[str, object]]:
    """What the page shows of each item: the record, what was reported and upstream's answer."""
    rows = []
    for item in items:
        kind = str(item.payload.get("kind", ""))
        fields = item.payload.get("fields", {})
        rows.append({
            "record_id": item.record_id, "kind": KIND_NAMES.get(kind, kind),
            "doc_number": fields.get(f"{kind}_WSH", ""), "subject": fields.get(f"{kind}_XDR_MC", ""),
            "action": item.get_action_display(), "result": item.get_result_display(),
            "result_code": item.result, "reason": item.reason,
        })  # fmt: skip
    return rows
