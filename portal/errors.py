"""Error pages for both URL confs (Chinese, no stack traces)."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from tenants.middleware import json_error, wants_json

# Seconds a client is asked to wait when the database is unreachable (a restart takes a few).
UNAVAILABLE_RETRY_AFTER = 10


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "portal_theme/errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this while handling the exception, so it can tell a lost database (503 with
    Retry-After: the request may simply be repeated) from a fault (500). JSON on the API paths."""
    unavailable = isinstance(sys.exc_info()[1], OperationalError | InterfaceError)
    if unavailable:
        if wants_json(request):
            response = json_error(
                503, "SERVICE_UNAVAILABLE", "服务暂时不可用：数据库无法连接，请稍后重试"
            )
        else:
            # No context processors: they would read the database that failed.
            page = render_to_string("portal_theme/errors/unavailable.html")
            response = HttpResponse(page, status=503)
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return response
    if wants_json(request):
        return json_error(500, "INTERNAL_ERROR", "服务器暂时出错，我们已记录此问题，请稍后再试")
    return HttpResponse(render_to_string("portal_theme/errors/500.html"), status=500)
