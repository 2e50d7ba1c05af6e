"""Error pages for both URL confs (Chinese, no stack traces)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "portal_theme/errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the failure may be in the database they read.
    return HttpResponse(render_to_string("portal_theme/errors/500.html"), status=500)
