"""REST endpoints for institutions' API keys, where a GraphQL variable does not fit a file: a bulk
job submitted as an uploaded CSV/XLSX (the same parser as the institution pages), and a job's
results as files (CSV, XLSX, JSON, or a basic-report job's PDFs as a ZIP).

They are reached on the district's domain and authenticated only by the institution's key
(`Authorization: Bearer ck_…`), never by a session cookie, so a forged cross-site post has no
credential to ride on and the views are exempt from CSRF. Errors are JSON, in Chinese, with the
same codes as the GraphQL API's `errors`. Documented on the developers' reference page."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing.http import job_results_response
from billing.models import ApiKey, BulkJob
from billing.services.bulk_jobs import bulk_job_submit, codes_from_file
from billing.services.keys import (
    KEY_PREFIX,
    RateLimited,
    institution_key_authenticate,
    rate_limit_take,
)
from billing.services.metering import call_authorise_any
from core.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from core.common.throttle import client_address
from tenants.models import District

API_KINDS = ("district", "sandbox")  # where institutions' keys are accepted
STATUS = {"INVALID": 400, "UNAUTHENTICATED": 401, "NOT_FOUND": 404, "RATE_LIMITED": 429,
          "IDEMPOTENCY_KEY_REUSED": 409, "CONFLICT": 409}  # fmt: skip


def _institution(request: HttpRequest) -> tuple[ApiKey, District]:
    """The calling institution's key and the district it calls, as the GraphQL view finds them."""
    district = getattr(request, "tenant", None)
    secret = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if district is None or district.kind not in API_KINDS or not secret.startswith(KEY_PREFIX):
        raise PermissionDenied(
            "请在 Authorization 头中以 Bearer 方式提供机构接口密钥", code="UNAUTHENTICATED"
        )
    key = institution_key_authenticate(
        secret, address=client_address(request), sandbox=district.kind == "sandbox"
    )
    rate_limit_take(key)
    return key, district


def _json(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False, default=str), status=status,
                        content_type="application/json; charset=utf-8")  # fmt: skip


def _error(exc: ApplicationError) -> HttpResponse:
    status = STATUS.get(exc.code, 403 if isinstance(exc, PermissionDenied) else 400)
    response = _json({"job": None, "errors": [
        {"code": exc.code, "message": exc.message, "field": exc.field}]}, status)  # fmt: skip
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def job_body(job: BulkJob) -> dict[str, Any]:
    return {"id": job.pk, "product": job.product, "status": job.status.upper(),
            "total": job.total, "done": job.done, "found": job.found,
            "amountYuan": f"{job.amount_yuan:.2f}", "stopReason": job.stop_reason}  # fmt: skip


@csrf_exempt  # key-authenticated only: no cookie session is ever read (module docstring)
@require_POST
def bulk_job_upload(request: HttpRequest) -> HttpResponse:
    """POST /api/bulk-jobs/ (multipart/form-data): `file` (CSV in UTF-8 or GBK, or XLSX; the
    first column), `product`, `purpose`, `idempotencyKey`. 200 with the job (the one the
    idempotency key already made, on a retry); errors as {"job": null, "errors": [...]}."""
    try:
        key, district = _institution(request)
        contract = call_authorise_any(key=key, district=district, today=timezone.localdate())
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(
                "请以 multipart/form-data 上传代码文件（字段 file，CSV或XLSX）", field="file"
            )
        codes = codes_from_file(upload, upload.name or "", upload.size or 0)
        job = bulk_job_submit(
            contract=contract, key=key, product=request.POST.get("product", "").strip(),
            codes=codes, purpose=request.POST.get("purpose", ""),
            idempotency_key=request.POST.get("idempotencyKey", "").strip(),
            source=upload.name or "api", created_by=f"api:{key.prefix}",
            verify_url=request.build_absolute_uri("/reports/verify/"),
        )  # fmt: skip
    except ApplicationError as exc:
        return _error(exc)
    return _json({"job": job_body(job), "errors": []})


@csrf_exempt
@require_GET
def bulk_job_results(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """GET /api/bulk-jobs/<id>/results.<csv|xlsx|json|zip>: the calling institution's job here."""
    try:
        key, district = _institution(request)
        contract = call_authorise_any(key=key, district=district, today=timezone.localdate())
        job = (
            BulkJob.objects.select_related("contract__district")
            .filter(pk=pk, contract=contract)
            .first()
        )
        if job is None:
            raise NotFound("没有该批量任务", field="id")
    except ApplicationError as exc:
        return _error(exc)
    return job_results_response(request, job, fmt)


# On every domain that serves the district API (urls_tenant, urls_sandbox).
urlpatterns: list[URLPattern] = [
    path("api/bulk-jobs/", bulk_job_upload, name="api-bulk-job-upload"),
    path("api/bulk-jobs/<int:pk>/results.<str:fmt>", bulk_job_results, name="api-bulk-job-results"),
]
