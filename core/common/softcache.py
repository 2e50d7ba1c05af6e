"""The cache, failing soft: when Redis cannot be reached, reads miss and writes are dropped (logged
at WARNING), so pages and API answers are computed instead of failing. Counters that enforce a
limit do not use this: they refuse instead (core/common/throttle.py, billing rate limits)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger("core.cache")

# What a cache backend raises when its server is unreachable (redis-py's errors; OSError for a
# socket that fails below it).
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


def _failed(operation: str, error: Exception) -> None:
    logger.warning("cache unavailable, %s skipped (%s)", operation, type(error).__name__)


def cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except CACHE_ERRORS as error:
        _failed("get", error)
        return None


def cache_get_many(keys: list[str]) -> dict[str, Any]:
    """One round trip (MGET) for several keys; the ones found."""
    try:
        return dict(cache.get_many(keys))
    except CACHE_ERRORS as error:
        _failed("get_many", error)
        return {}


def cache_set(key: str, value: Any, timeout: float | None) -> bool:
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as error:
        _failed("set", error)
        return False
    return True


def cache_add(key: str, value: Any, timeout: float | None) -> bool:
    """Like cache.add; False also when the cache is unavailable."""
    try:
        return bool(cache.add(key, value, timeout))
    except CACHE_ERRORS as error:
        _failed("add", error)
        return False
