"""Search queries kept out of URLs.

A search form POSTs what was typed; the view keeps it in the cache under a random token and
redirects (303) to a result page addressed by the token, so an identity number, a 统一社会信用代码 or
a person's name never reaches an address bar, the browser's history, a Referer header or a proxy's
log. Pages of the results keep the token (`?page=2`).

- A token is 32 random letters (about 180 bits) and no digits: a result URL carries no number.
- It serves only the session that made it (a random secret kept in that session; a visitor
  without a session gets one), in the district that made it (the cache key carries the schema,
  and the entry names it), in the scope that made it (portal or console), for
  SEARCH_TOKEN_SECONDS. Anywhere else it is "expired".
- The query is stored encrypted (Fernet with SUBJECT_DATA_KEY, like sealed identity numbers), so
  the cache holds no number in the clear.
- When the cache cannot be reached, no token is issued (the form says so) and none is read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from typing import Protocol

from cryptography.fernet import InvalidToken
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from core.common.identifiers import normalise
from core.common.softcache import cache_get, cache_set
from core.common.tenancy import current_schema
from core.subjects.protection import decrypt, encrypt
from portal_theme.inputs import posted_text

SEARCH_TOKEN_SECONDS = 30 * 60  # long enough to page through results, short enough to forget
TOKEN_LENGTH = 32
PORTAL = "portal"
CONSOLE = "console"
EXPIRED = "查询已过期，请重新输入查询内容"
UNAVAILABLE = "系统繁忙，暂时无法查询，请稍后再试"

_TOKEN_ALPHABET = string.ascii_letters
_TOKEN_SHAPE = re.compile(rf"^[A-Za-z]{{{TOKEN_LENGTH}}}$")
_SESSION_SECRET = "search_token_secret"
_DIGIT = re.compile(r"[0-9]")
NUMBER_DIGITS = 6  # a 6-digit region code starts every identity number and 统一社会信用代码 body


def looks_like_number(query: str) -> bool:
    """Whether `query` carries an identity number, a 统一社会信用代码 or a substantial part of one: an
    18-character code, or six or more digits however they are spaced. Such a query is only ever
    POSTed and is never read from a URL; the words of a name are (links to them are shareable)."""
    code = normalise(query)
    if len(code) == 18 and code.isalnum():
        return True
    return len(_DIGIT.findall(code)) >= NUMBER_DIGITS


def see_other(path: str) -> HttpResponseRedirect:
    """303: after a POSTed search the browser GETs the result page (its reload posts nothing)."""
    return HttpResponseRedirect(path, status=303)


def _key(scope: str, token: str) -> str:
    # The cache's key function (django_tenants.cache.make_key) prefixes the schema as well.
    return f"search-token:{scope}:{token}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def search_token_issue(request: HttpRequest, *, scope: str, query: str) -> str | None:
    """Keep `query` for this session, district and scope; the token, or None when the cache
    cannot be reached. Gives the session its secret the first time (the session is saved)."""
    secret = request.session.get(_SESSION_SECRET)
    if not isinstance(secret, str):
        secret = secrets.token_hex(32)
        request.session[_SESSION_SECRET] = secret
    token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    entry = {"schema": current_schema(), "session": _digest(secret), "query": encrypt(query)}
    return token if cache_set(_key(scope, token), entry, SEARCH_TOKEN_SECONDS) else None


def search_token_read(request: HttpRequest, *, scope: str, token: str) -> str | None:
    """The query behind `token`, or None when it is unknown, expired, or was made by another
    session, district or scope."""
    if not _TOKEN_SHAPE.match(token):
        return None
    entry = cache_get(_key(scope, token))
    secret = request.session.get(_SESSION_SECRET)
    if not isinstance(entry, dict) or not isinstance(secret, str):
        return None
    if entry.get("schema") != current_schema():
        return None
    if not hmac.compare_digest(str(entry.get("session", "")), _digest(secret)):
        return None
    try:
        return decrypt(str(entry.get("query", "")))
    except InvalidToken:
        return None


class SearchPage(Protocol):
    """A search page: its results for `query`, or `error` (with `status`) and no results."""

    def __call__(
        self, request: HttpRequest, *, query: str, error: str = "", status: int = 200
    ) -> HttpResponse: ...


def search_post(
    request: HttpRequest, *, scope: str, path: str, page: SearchPage, max_length: int = 60
) -> HttpResponse:
    """A search form POSTed to `path`: the query goes behind a token and the browser to the result
    page `<path>r/<token>/` (303); an empty query goes back to `path`; when no token can be
    issued, `page` says so (503)."""
    query = posted_text(request, "q", max_length=max_length)
    if not query:
        return see_other(path)
    token = search_token_issue(request, scope=scope, query=query)
    if token is None:
        return page(request, query="", error=UNAVAILABLE, status=503)
    return see_other(f"{path}r/{token}/")


def search_results_page(
    request: HttpRequest, *, scope: str, token: str, page: SearchPage
) -> HttpResponse:
    """A result page: `page` with the query behind `token`, or expired (410) where this session,
    district and scope cannot read it."""
    query = search_token_read(request, scope=scope, token=token)
    if query is None:
        return page(request, query="", error=EXPIRED, status=410)
    return page(request, query=query)
