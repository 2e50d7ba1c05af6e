"""Request context for logs and metrics.

`RequestContextMiddleware` comes first: it takes the caller's X-Request-ID (or makes one), binds
it to the log context, returns it in the response, and when the response is ready records the
request in the metrics and the access log. `DistrictUserContextMiddleware` comes after
authentication and adds the district and the user to the same context, so every log line written
while the request runs carries them (the outer middleware's reset clears them again).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.ops.context import log_context_bind, log_context_reset
from core.ops.metrics import NO_DISTRICT, http_request_observe
from core.ops.urls import OPS_PATHS

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it is short and plain (it is written into logs and headers).
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_logger = logging.getLogger("credit.access")


def request_id_for(incoming: str) -> str:
    return incoming if _ACCEPTABLE_ID.match(incoming) else uuid.uuid4().hex


def district_of(request: HttpRequest) -> str:
    tenant = getattr(request, "tenant", None)
    return str(tenant.schema_name) if tenant is not None else NO_DISTRICT


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (bounded), never the path itself."""
    match = request.resolver_match
    if match is not None:
        return f"/{match.route}"
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER, ""))
        token = log_context_bind(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            if request.path_info not in OPS_PATHS:  # probes and scrapes would drown the rest
                self._record(request, response, time.perf_counter() - started)
        finally:
            log_context_reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
        route = route_of(request)
        method = request.method or ""
        http_request_observe(
            district=district_of(request),
            route=route,
            method=method,
            status=response.status_code,
            seconds=seconds,
        )
        # The path without its query string: search terms can be personal data.
        access_logger.info(
            "%s %s %s",
            method,
            request.path,
            response.status_code,
            extra={
                "method": method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )


class DistrictUserContextMiddleware:
    """After AuthenticationMiddleware. The user is looked up only when the request carries a
    session cookie (a visitor without one is anonymous at no cost)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields: dict[str, object] = {"district": district_of(request)}
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.path_info not in OPS_PATHS
            and request.user.is_authenticated
        ):
            fields["user_id"] = request.user.pk
        # Reset by RequestContextMiddleware, whose token predates this bind.
        log_context_bind(**fields)
        return self.get_response(request)
