"""A per-client hourly limit for public forms (信用征集, 异议, 信用修复), kept in the cache."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from core.common.errors import ValidationFailed


def throttle(scope: str, client: str, *, per_hour: int) -> None:
    """Count one submission from `client` under `scope`; refuse past `per_hour` in an hour."""
    key = f"{scope}-rate:" + hashlib.sha256(client.encode()).hexdigest()[:32]
    cache.add(key, 0, 3600)
    if cache.incr(key) > per_hour:
        raise ValidationFailed("提交过于频繁，请一小时后再试", code="RATE_LIMITED")
