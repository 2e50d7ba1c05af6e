"""The login limits' state: failure counters, locks and strikes per account and per address, in the
cache, one set per schema (docs/adr/0014-login-limits-in-the-cache-per-schema.md).

Keys name the schema themselves (besides the cache's own schema prefix), so a lock in one district
never applies in another even under another key function. Accounts and addresses are stored as
SHA-256 digests. Services and selectors (services.py, selectors.py) are the only callers; they add
the audit entries. Cache errors propagate: the callers decide (logins count in the process's own
memory while Redis is down, `process_local`, core/accounts/lockout.py).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.cache import BaseCache, cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone

from core.common.tenancy import current_schema

STRIKES_SECONDS = 24 * 3600

# While the shared cache cannot be reached: this process's memory, so that staff can still sign in
# (sessions are in the database) and each web process still limits attempts on its own.
_LOCAL = LocMemCache("login-limits", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 10_000}})
_local_only: ContextVar[bool] = ContextVar("login_limits_local_only", default=False)


@contextmanager
def process_local() -> Iterator[None]:
    """Keep the counters in this process's memory within the block (the shared cache is down)."""
    token = _local_only.set(True)
    try:
        yield
    finally:
        _local_only.reset(token)


def _cache() -> BaseCache:
    return _LOCAL if _local_only.get() else cache


class LockScope(StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


@dataclass(frozen=True)
class LoginLock:
    """A lock on an account or an address, until `until` (UTC)."""

    scope: LockScope
    until: datetime
    minutes: int

    def seconds_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))

    @property
    def message(self) -> str:
        """What the login page says, with the time left rounded up to the minute."""
        left = duration_text(math.ceil(self.seconds_left() / 60))
        if self.scope == LockScope.ACCOUNT:
            return f"登录失败次数过多，账号已暂时锁定，请于{left}后再试，或请管理员解锁。"
        return f"本网络地址登录失败次数过多，请于{left}后再试。"


def duration_text(minutes: int) -> str:
    """90 → "1小时30分钟", 120 → "2小时", 15 → "15分钟"."""
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{rest}分钟"
    return f"{hours}小时{rest}分钟" if rest else f"{hours}小时"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _key(kind: str, scope: LockScope, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:40]
    return f"login-{kind}:{current_schema()}:{scope.value}:{digest}"


def limit_of(scope: LockScope) -> int:
    if scope == LockScope.ACCOUNT:
        return int(settings.LOGIN_ACCOUNT_FAILURES)
    return int(settings.LOGIN_ADDRESS_FAILURES)


def lock_read(scope: LockScope, value: str) -> LoginLock | None:
    stored = _cache().get(_key("lock", scope, value))
    if stored is None:
        return None
    until = datetime.fromtimestamp(float(stored["until"]), tz=UTC)
    if until <= timezone.now():  # the cache rounds timeouts to whole seconds
        return None
    return LoginLock(scope=scope, until=until, minutes=int(stored["minutes"]))


def locks_read(scope: LockScope, values: list[str]) -> dict[str, LoginLock]:
    """The live locks among `values`, by value (one round trip)."""
    keys = {_key("lock", scope, v): v for v in values}
    found = _cache().get_many(list(keys))
    now = timezone.now()
    locks = {}
    for key, stored in found.items():
        until = datetime.fromtimestamp(float(stored["until"]), tz=UTC)
        if until > now:
            locks[keys[key]] = LoginLock(scope=scope, until=until, minutes=int(stored["minutes"]))
    return locks


def failures_read(scope: LockScope, value: str) -> int:
    return int(_cache().get(_key("failures", scope, value), 0))


def failure_count(scope: LockScope, value: str) -> LoginLock | None:
    """Count one failure; at the scope's limit, lock (for longer after each lock within a day) and
    return the new lock. Returns None below the limit, and when another request made the lock."""
    store = _cache()
    window = int(settings.LOGIN_FAILURE_WINDOW_MINUTES) * 60
    counter = _key("failures", scope, value)
    if store.add(counter, 1, window):
        count = 1
    else:
        try:
            count = store.incr(counter)
        except ValueError:  # expired between add and incr
            store.add(counter, 1, window)
            count = 1
        store.touch(counter, window)
    if count < limit_of(scope):
        return None
    strikes_key = _key("strikes", scope, value)
    strikes = int(store.get(strikes_key, 0)) + 1
    minutes = min(
        int(settings.LOGIN_LOCK_MINUTES) * 2 ** (strikes - 1), int(settings.LOGIN_LOCK_MAX_MINUTES)
    )
    until = timezone.now() + timedelta(minutes=minutes)
    stored = {"until": until.timestamp(), "minutes": minutes}
    if not store.add(_key("lock", scope, value), stored, minutes * 60):
        return None
    store.set(strikes_key, strikes, STRIKES_SECONDS)
    # After the lock, the full number of attempts again (strikes keep the next lock longer).
    store.delete(counter)
    return LoginLock(scope=scope, until=until, minutes=minutes)


def failures_forget(scope: LockScope, value: str) -> None:
    """A successful login: its account's failures are forgotten (not its lock, nor its strikes)."""
    _cache().delete(_key("failures", scope, value))


def lock_clear(scope: LockScope, value: str) -> None:
    """Remove the lock, the failures and the strikes."""
    _cache().delete_many([_key(kind, scope, value) for kind in ("lock", "failures", "strikes")])
