"""Response headers every page carries: a Content Security Policy (scripts and styles from our own
origin only; inline style attributes allowed for chart bars, no inline scripts)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The GraphQL endpoint answers JSON (its browser IDE, in development only, loads from a CDN).
        if not request.path.startswith("/graphql") or not settings.DEBUG:
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
