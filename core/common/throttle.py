"""A per-client hourly limit for public forms (信用征集, 异议, 信用修复), kept in the cache."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from core.common.errors import ValidationFailed
from core.common.softcache import CACHE_ERRORS


def throttle(scope: str, client: str, *, per_hour: int) -> None:
    """Count one submission from `client` under `scope`; refuse past `per_hour` in an hour."""
    key = f"{scope}-rate:" + hashlib.sha256(client.encode()).hexdigest()[:32]
    try:
        cache.add(key, 0, 3600)
        count = cache.incr(key)
    except CACHE_ERRORS as error:
        # Without its counter the limit cannot be kept: refuse (nothing is stored) rather than
        # let anyone submit without limit while the cache is down.
        raise ValidationFailed(
            "系统繁忙，暂时无法受理提交，请稍后再试（您填写的内容未提交）", code="UNAVAILABLE"
        ) from error
    if count > per_hour:
        raise ValidationFailed("提交过于频繁，请一小时后再试", code="RATE_LIMITED")


def client_address(request: HttpRequest) -> str:
    """The visitor's address. Behind TRUSTED_PROXIES reverse proxies (nginx in infra/), the
    address the outermost trusted proxy saw, from X-Forwarded-For; otherwise REMOTE_ADDR."""
    proxies = int(settings.TRUSTED_PROXIES)
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    if proxies > 0 and len(forwarded) >= proxies:
        return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR", ""))
