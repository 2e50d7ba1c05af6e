"""Persisted queries by SHA-256 (the Automatic Persisted Queries protocol), also over GET.

A client sends `extensions.persistedQuery.sha256Hash`. Known hashes resolve to the document without
sending it: first from the committed documents in graphql_api/persisted/ (trusted, always known),
then from the cache, where a client registers a document by sending it once with its hash.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from core.common.softcache import cache_get, cache_set

PERSISTED_DIR = Path(__file__).parent / "persisted"
CACHE_PREFIX = "graphql:apq:"
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


def resolve(*, sha256: str, query: str | None) -> str:
    """The document for a persisted-query request; registers `query` when it is sent with its hash."""
    sha256 = sha256.lower()
    if query is not None:
        if document_hash(query) != sha256:
            raise PersistedQueryMismatch
        if sha256 not in committed_documents():
            cache_set(CACHE_PREFIX + sha256, query, CACHE_SECONDS)
        return query
    document = committed_documents().get(sha256)
    if document is None:
        cached = cache_get(CACHE_PREFIX + sha256)
        document = cached if isinstance(cached, str) else None
    if document is None:
        raise PersistedQueryNotFound
    return document
