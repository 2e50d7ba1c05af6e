"""Staff of the committed districts for tests against the production server: a committed account,
and a visitor of the server signed in as it (the session is made here, through Django's own
`force_login`, so these tests do not depend on the login page and its limits)."""

from __future__ import annotations

import http.cookiejar
import urllib.parse

from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.models import User
from tests.security.conftest import Browser, ProductionServer


def signed_in(production: ProductionServer, host: str, schema: str, user: User) -> Browser:
    """A new visitor of `host` carrying a fresh session of `user` (committed: call it with the
    database unblocked and outside a test transaction)."""
    client = Client(HTTP_HOST=host)
    with schema_context(schema):  # the session lives in the district
        client.force_login(user)
    visitor = production.visitor(host)
    name = settings.SESSION_COOKIE_NAME
    # The jar keys cookies by the address connected to (it ignores the Host header).
    address = urllib.parse.urlsplit(production.url).hostname or ""
    visitor.jar.set_cookie(
        http.cookiejar.Cookie(
            version=0, name=name, value=client.cookies[name].value, port=None,
            port_specified=False, domain=address, domain_specified=False, domain_initial_dot=False,
            path="/", path_specified=True, secure=False, expires=None, discard=True, comment=None,
            comment_url=None, rest={"HttpOnly": ""},
        )
    )  # fmt: skip
    return visitor
