"""Host name → district, and what a district's status allows.

An unknown host gets a 404 page: never the public schema, never another district. The probe and
metrics paths (core/ops/urls.py) are answered on every host without looking the host up. A suspended or
deletion-pending district shows a maintenance page (503) and its APIs refuse with a clear error;
an archived one serves reads and refuses writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from core.common.tenancy import use_public_schema
from core.ops.urls import OPS_PATHS, OPS_URLCONF
from tenants.enums import DistrictKind, DistrictStatus
from tenants.routing import district_for_host

SANDBOX_URLCONF = "core.config.urls_sandbox"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Paths that still work in an archived (read-only) district: reading needs logging in and out.
ARCHIVED_WRITABLE_PATHS = (
    "/console/login/",
    "/console/logout/",
    "/graphql/",
    "/exchange/graphql/",  # a provider answers shared-record requests (reads) while archived
)
# Searches are reads that POST only to keep what was typed out of URLs (exact paths: the pages
# under /console/subjects/ include the window, which writes).
ARCHIVED_SEARCH_FORMS = frozenset({"/search/", "/console/subjects/"})


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/graphql") or "application/json" in request.headers.get(
        "Accept", ""
    )


def json_error(status: int, code: str, message: str) -> HttpResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


class DistrictRoutingMiddleware(TenantMainMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if request.path_info in OPS_PATHS:
            # Probes reach the pod by its address, not a district's domain, and liveness must
            # not wait on the database that the host lookup reads.
            use_public_schema()
            request.urlconf = OPS_URLCONF  # type: ignore[attr-defined]  # Django reads it
            return None
        if not request.META.get("HTTP_HOST"):
            # Without a Host header Django would fall back to SERVER_NAME, which may be an operator
            # domain: a request that names no site reaches none (issue 18, finding 11).
            return self.no_tenant_found(request, "（请求未提供 Host）")
        response: HttpResponse | None = super().process_request(request)
        tenant = getattr(request, "tenant", None)
        if response is None and tenant is not None and tenant.kind == DistrictKind.SANDBOX:
            request.urlconf = SANDBOX_URLCONF  # type: ignore[attr-defined]  # Django reads it
        return response

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        use_public_schema()
        if wants_json(request):
            return json_error(404, "UNKNOWN_HOST", f"没有使用域名“{hostname}”的平台")
        return render(
            request, "portal_theme/errors/unknown_host.html", {"hostname": hostname}, status=404
        )

    def get_tenant(self, domain_model, hostname):  # type: ignore[no-untyped-def]
        tenant = district_for_host(hostname)  # kept in process (tenants/routing.py)
        if tenant.kind == DistrictKind.TEMPLATE:
            # The template never serves requests, even if someone gave it a domain by hand.
            raise domain_model.DoesNotExist
        return tenant


class DistrictStatusMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        district = getattr(request, "tenant", None)
        if district is None or district.kind != DistrictKind.DISTRICT:
            return self.get_response(request)
        if district.status in (DistrictStatus.SUSPENDED, DistrictStatus.DELETION_PENDING):
            if wants_json(request):
                return json_error(
                    503, "DISTRICT_SUSPENDED", f"{district.name}信用平台暂停服务，请稍后再试"
                )
            response = render(
                request, "portal_theme/errors/maintenance.html", {"district": district}, status=503
            )
            response["Retry-After"] = "3600"
            return response
        if (
            district.status == DistrictStatus.ARCHIVED
            and request.method not in SAFE_METHODS
            and not request.path.startswith(ARCHIVED_WRITABLE_PATHS)
            and request.path not in ARCHIVED_SEARCH_FORMS
        ):
            return render(
                request, "portal_theme/errors/read_only.html", {"district": district}, status=403
            )
        return self.get_response(request)
