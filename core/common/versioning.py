"""A per-district data version for caches: every write that changes what readers see (records,
the theme, the catalogue, the district's status) bumps it after commit, and cached answers are
keyed by it, so they can never outlive their data.

The version lives in the cache itself (tenant-prefixed keys). If the cache loses it, a fresh
random version is chosen, which simply misses every older entry.

When the cache cannot be reached, reads get a fresh random version (they miss, and their answers
cannot be stored either) and a write's bump is dropped: entries cached before the outage may then
be served until they expire (GRAPHQL_RESPONSE_CACHE_SECONDS), never longer.

A moved version is also announced on the change feed (core/common/changefeed.py,
`data_topic(schema)`), so that answers a process keeps in its own memory are dropped at once."""

from __future__ import annotations

import secrets

from core.common import changefeed
from core.common.softcache import cache_add, cache_get, cache_set
from core.common.tenancy import current_schema, on_commit_here

KEY = "data-version"


def data_version() -> str:
    version = cache_get(KEY)
    if version is None:
        version = secrets.token_hex(8)
        if not cache_add(KEY, version, None):
            version = cache_get(KEY) or version
    return str(version)


def data_changed() -> None:
    """Call inside the writing transaction; the version moves once it commits."""
    topic = changefeed.data_topic(current_schema())

    def moved() -> None:
        cache_set(KEY, secrets.token_hex(8), None)
        changefeed.announce(topic)

    on_commit_here(moved)
