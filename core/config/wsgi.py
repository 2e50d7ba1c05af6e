"""The WSGI application: Django's, with a lane for API calls that carry no cookie (issue 25).

A call to the API (`API_PATHS`) without any cookie cannot have a session, a signed-in user, a CSRF
token or flash messages: it authenticates with a key or not at all. Such calls go through
`settings.API_MIDDLEWARE`, which leaves out the middlewares that do nothing for them (static
files, sessions, CSRF, authentication, login lockouts, messages) and keeps everything else in the
same order: the request context and access log, security headers, district routing and status,
the language from Accept-Language. Every other request, and any API call with a cookie (GraphiQL in a
signed-in browser), takes the full `settings.MIDDLEWARE`. The views are the same: both lanes
resolve the same URLs.
"""

import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.config.settings")

# Exact paths (a path under these, such as a bulk job's results, takes the full stack).
API_PATHS = frozenset({"/graphql/", "/exchange/graphql/", "/api/bulk-jobs/"})


class _ApiHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE  # read once, here, at start
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class CreditWSGIHandler:
    def __init__(self, full: WSGIHandler) -> None:
        self.full = full
        self.api = _ApiHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in API_PATHS and not environ.get("HTTP_COOKIE"):
            return self.api(environ, start_response)
        return self.full(environ, start_response)


application = CreditWSGIHandler(get_wsgi_application())
