"""Reads for accounts: login locks in the current schema (core/accounts/login_limits.py)."""

from __future__ import annotations

from collections.abc import Iterable

from core.accounts.login_limits import LockScope, LoginLock, lock_read, locks_read, normalise_email


def login_lock_get(*, email: str, address: str) -> LoginLock | None:
    """The lock that refuses a login for `email` from `address` in this schema, if any (the one
    ending last when both the account and the address are locked). Raises the cache's errors."""
    locks = [
        lock
        for lock in (
            lock_read(LockScope.ACCOUNT, normalise_email(email)) if email.strip() else None,
            lock_read(LockScope.ADDRESS, address) if address else None,
        )
        if lock is not None
    ]
    return max(locks, key=lambda lock: lock.until, default=None)


def login_locks_of(*, emails: Iterable[str]) -> dict[str, LoginLock]:
    """The accounts among `emails` that are locked in this schema, by e-mail as given."""
    by_key = {normalise_email(e): e for e in emails}
    if not by_key:
        return {}
    return {by_key[k]: lock for k, lock in locks_read(LockScope.ACCOUNT, list(by_key)).items()}
