"""Response headers every answer carries, pages, static files, the unknown-host page and error
pages alike: a Content Security Policy (scripts and styles from our own origin only; inline style
attributes allowed for chart bars, no inline scripts), no framing, no MIME sniffing, a same-origin
referrer. The middleware sits outermost (after the request context) so that answers made before
routing, by WhiteNoise or the host check, get them too (issue 18, finding 11)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

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
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


class CookielessVisitorMiddleware:
    """In the API lane (core/config/wsgi.py) in place of sessions and authentication: a request
    without cookies is an anonymous visitor. Its answer varies by cookie as the full stack's does
    (there, looking the visitor up in the session adds `Vary: Cookie`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = AnonymousUser()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response
