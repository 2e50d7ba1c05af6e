"""Persisted queries by SHA-256 (the Automatic Persisted Queries protocol), also over GET.

A client sends `extensions.persistedQuery.sha256Hash`. Known hashes resolve to the document without
sending it: first from the committed documents in graphql_api/persisted/ (trusted, always known),
then from the cache, where a client registers a document by sending it once with its hash.

Who may register (issue 18, finding 3: anonymous callers filled the cache with 2 MB documents,
invalid ones too, kept for 7 days):
- in production, only a caller with a credential (an institution's or a department's API key, a
  staff session), at most GRAPHQL_APQ_REGISTRATIONS_PER_DAY new documents per credential a day;
  an anonymous caller's document is run but not stored, so it sends it in full each time;
- with DJANGO_DEBUG on, anyone (register on first use, for development);
- and only a document that passed the size and token limits (graphql_api/documents.py) and parses
  and validates against the schema, limits included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as django_cache
from django.utils import timezone

from core.common.softcache import CACHE_ERRORS, cache_get, cache_set

PERSISTED_DIR = Path(__file__).parent / "persisted"
CACHE_PREFIX = "graphql:apq:"
QUOTA_PREFIX = "graphql:apq-quota:"
CACHE_SECONDS = 7 * 24 * 3600


class PersistedQueryNotFound(Exception):
    pass


class PersistedQueryMismatch(Exception):
    pass


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@cache
def committed_documents() -> dict[str, str]:
    """sha256 → document for every committed .graphql file under graphql_api/persisted/."""
    documents = {}
    for path in sorted(PERSISTED_DIR.glob("**/*.graphql")):
        text = path.read_text(encoding="utf-8")
        documents[document_hash(text)] = text
    return documents


def resolve(
    *,
    sha256: str,
    query: str | None,
    registrant: Callable[[], str | None],
    is_valid: Callable[[str], bool],
) -> str:
    """The document for a persisted-query request. A `query` sent with its hash is run; it is also
    registered when the caller (`registrant()`: who sends it, None for an anonymous caller in
    production) may register one more document today and the document `is_valid`."""
    sha256 = sha256.lower()
    if query is not None:
        if document_hash(query) != sha256:
            raise PersistedQueryMismatch
        if sha256 not in committed_documents() and cache_get(CACHE_PREFIX + sha256) is None:
            who = registrant()
            if who is not None and is_valid(query) and _quota_take(who):
                cache_set(CACHE_PREFIX + sha256, query, CACHE_SECONDS)
        return query
    document = committed_documents().get(sha256)
    if document is None:
        cached = cache_get(CACHE_PREFIX + sha256)
        document = cached if isinstance(cached, str) else None
    if document is None:
        raise PersistedQueryNotFound
    return document


def _quota_take(registrant: str) -> bool:
    """Count one registration for `registrant` today (Beijing time); False past the quota or when
    the cache cannot count (then the document is simply not stored)."""
    key = f"{QUOTA_PREFIX}{timezone.localdate():%Y%m%d}:{registrant}"
    try:
        django_cache.add(key, 0, 2 * 24 * 3600)
        return int(django_cache.incr(key)) <= settings.GRAPHQL_APQ_REGISTRATIONS_PER_DAY
    except CACHE_ERRORS:
        return False
