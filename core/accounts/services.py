"""Writes for staff accounts: creation, one-time login links, and the login limits' counters,
locks and unlocks (core/accounts/login_limits.py)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.accounts.login_limits import (
    LockScope,
    LoginLock,
    failure_count,
    failures_forget,
    limit_of,
    lock_clear,
    lock_read,
    normalise_email,
)
from core.accounts.models import LoginLink, User
from core.accounts.permissions import STAFF_MANAGE
from core.accounts.policy import require
from core.common.actors import Actor
from core.common.errors import NotFound, ValidationFailed
from core.common.tenancy import PUBLIC_SCHEMA, current_schema

LINK_INVALID = "登录链接无效、已使用或已过期，请联系管理员重新获取。"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def user_create_staff(*, email: str, full_name: str, role: StaffRole) -> User:
    """Create a district staff account with no usable password (they log in by a one-time link)."""
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationFailed(f"账号“{email}”已存在", field="email", code="EMAIL_TAKEN")
    return User.objects.create_user(email=email, full_name=full_name, role=role.value)


def login_link_issue(*, user: User, purpose: str = "first_login") -> str:
    """Issue a one-time login token for `user`, revoking any unused earlier one. Returns the token."""
    now = timezone.now()
    LoginLink.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=now)
    token = secrets.token_urlsafe(32)
    LoginLink.objects.create(
        user=user,
        token_hash=_hash_token(token),
        purpose=purpose,
        expires_at=now + timedelta(hours=settings.ONE_TIME_LOGIN_TTL_HOURS),
    )
    return token


def login_link_peek(*, token: str) -> User:
    """The user a still-valid token belongs to, without using it up."""
    link = (
        LoginLink.objects.select_related("user")
        .filter(token_hash=_hash_token(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None or not link.user.is_active:
        raise NotFound(LINK_INVALID, code="LOGIN_LINK_INVALID")
    return link.user


@transaction.atomic
def login_link_redeem(*, token: str, new_password: str) -> User:
    """Use a one-time token to set the account's password. The token cannot be used again."""
    link = (
        LoginLink.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=_hash_token(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None or not link.user.is_active:
        raise NotFound(LINK_INVALID, code="LOGIN_LINK_INVALID")
    user = link.user
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationFailed("；".join(exc.messages), field="password") from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return user


# --- Login limits (docs/adr/0014-login-limits-in-the-cache-per-schema.md) ----------------------

LOGIN_LIMIT_ACTOR = Actor.system("login-limit")
STAFF_NOT_FOUND = "本区县没有该职员账号"


def _login_audit(*, actor: Actor, action: str, details: dict[str, Any]) -> None:
    """A district's lockouts and unlocks go to its audit log; the operator's domain's (operator
    staff, institution users) to the platform audit log."""
    if current_schema() == PUBLIC_SCHEMA:
        from tenants.audit import platform_audit_record

        platform_audit_record(actor=actor, action=action, details=details)
    else:
        from core.audit.services import audit_record

        audit_record(actor=actor, action=action, details=details)


def login_failure_record(*, email: str, address: str, page: str) -> LoginLock | None:
    """Count a wrong password for the account `email` and for `address` in this schema. A lock
    this failure makes is audited (`login.locked`) and returned (the longer one if both lock).
    Raises the cache's errors."""
    email = normalise_email(email)
    made = []
    if email:
        made.append(failure_count(LockScope.ACCOUNT, email))
    if address:
        made.append(failure_count(LockScope.ADDRESS, address))
    locks = [lock for lock in made if lock is not None]
    for lock in locks:
        _login_audit(actor=LOGIN_LIMIT_ACTOR, action="login.locked", details={
            "scope": lock.scope.value, "email": email, "address": address,
            "failures": limit_of(lock.scope), "minutes": lock.minutes,
            "until": timezone.localtime(lock.until).isoformat(timespec="seconds"), "page": page,
        })  # fmt: skip
    return max(locks, key=lambda lock: lock.until, default=None)


def login_success_record(*, email: str) -> None:
    """A successful login forgets its account's failures in this schema (not a lock: a login
    cannot pass one; nor the strikes that make the next lock longer). Raises the cache's errors."""
    failures_forget(LockScope.ACCOUNT, normalise_email(email))


def login_lock_clear(*, actor: Actor, email: str = "", address: str = "") -> bool:
    """Unlock the account `email` and/or the address `address` in this schema: the lock, the
    failures and the strikes go. Audited as `login.unlocked` (also when nothing was locked: the
    action is recorded). Returns whether a lock was live."""
    email = normalise_email(email)
    if not email and not address:
        raise ValidationFailed("请指定要解锁的账号或网络地址", code="NOTHING_TO_UNLOCK")
    targets = [(s, v) for s, v in ((LockScope.ACCOUNT, email), (LockScope.ADDRESS, address)) if v]
    was_locked = False
    with transaction.atomic():
        # The entry first: if the cache then fails, neither the unlock nor its entry stays.
        for scope, value in targets:
            live = lock_read(scope, value)
            was_locked = was_locked or live is not None
            _login_audit(actor=actor, action="login.unlocked", details={
                "scope": scope.value,
                ("email" if scope == LockScope.ACCOUNT else "address"): value,
                "was_locked": live is not None,
            })  # fmt: skip
            lock_clear(scope, value)
    return was_locked


def staff_login_unlock(*, actor: User, email: str) -> bool:
    """A district admin unlocks a staff account of the district. Returns whether it was locked."""

    require(actor, STAFF_MANAGE)
    if not User.objects.filter(email=normalise_email(email)).exists():
        raise NotFound(STAFF_NOT_FOUND, code="STAFF_NOT_FOUND")
    return login_lock_clear(actor=Actor.for_user(actor, schema=current_schema()), email=email)
