from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.common.placement import everywhere_model


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


@everywhere_model
class User(AbstractBaseUser, PermissionsMixin):
    """A staff account, valid only in the schema it was created in.

    In the public schema: operator staff. In a district schema: that district's staff, with a role.
    """

    email = models.EmailField("电子邮箱", unique=True)
    full_name = models.CharField("姓名", max_length=100, blank=True)
    role = models.CharField("角色", max_length=32, choices=StaffRole.choices, blank=True)
    is_active = models.BooleanField("启用", default=True)
    is_staff = models.BooleanField("可登录管理后台", default=False)
    date_joined = models.DateTimeField("创建时间", default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return self.email


@everywhere_model
class LoginLink(models.Model):
    """A one-time login link: only the SHA-256 of its token is stored; it works once, until expiry."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_links")
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=32, default="first_login")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "一次性登录链接"
        verbose_name_plural = "一次性登录链接"

    def __str__(self) -> str:
        return f"{self.user_id}:{self.purpose}"
