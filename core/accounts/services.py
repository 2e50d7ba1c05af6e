"""Writes for staff accounts: creation and one-time login links."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.accounts.models import LoginLink, User
from core.common.errors import NotFound, ValidationFailed

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


def staff_create(
    *, actor: User, email: str, full_name: str, role: StaffRole, department_id: int | None
) -> tuple[User, str]:
    """A district admin adds a staff member; returns the account and its one-time login token.
    Data clerks must belong to a department (they enter data only for it)."""
    from core.accounts.permissions import require_role
    from core.catalog.models import Department, StaffAssignment

    require_role(actor, StaffRole.DISTRICT_ADMIN)
    if role == StaffRole.DATA_CLERK and department_id is None:
        raise ValidationFailed("数据录入员必须指定所属部门", field="department")
    department = None
    if department_id is not None:
        department = Department.objects.filter(pk=department_id, is_active=True).first()
        if department is None:
            raise ValidationFailed("所选部门不存在或已停用", field="department")
    with transaction.atomic():
        user = user_create_staff(email=email, full_name=full_name, role=role)
        if department is not None:
            StaffAssignment.objects.create(user=user, department=department)
        token = login_link_issue(user=user)
    return user, token
