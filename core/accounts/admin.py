from __future__ import annotations

import logging
from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.accounts.models import User
from core.accounts.selectors import login_locks_of
from core.accounts.services import login_lock_clear
from core.common.actors import Actor
from core.common.softcache import CACHE_ERRORS
from core.common.tenancy import current_schema

logger = logging.getLogger("core.accounts.admin")


# The operator works with roles and staff flags, never with groups or per-user permissions.
admin.site.unregister(Group)


class UserAddForm(AdminUserCreationForm):
    """Django's form for a new account, with the help texts in Chinese."""

    HELP_TEXTS = {
        "email": "登录用的电子邮箱",
        "password1": "至少10个字符，不能全为数字，不能与邮箱或常用密码相近",
        "password2": "再次输入同一密码，以便核对",
        "usable_password": "选择“禁用”则该账号暂不能用密码登录，之后可再设置密码",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name, text in self.HELP_TEXTS.items():
            if name in self.fields:
                self.fields[name].help_text = text


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]  # stubs want AbstractUser
    add_form = UserAddForm
    add_form_template = "admin/accounts/user/add_form.html"
    readonly_fields = ("password_state",)
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "is_active", "is_staff", "last_login", "locked")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password_state")}),
        ("资料", {"fields": ("full_name", "role")}),
        (
            "权限",
            {"fields": ("is_active", "is_staff", "is_superuser")},
        ),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    list_filter = ("is_active", "is_staff", "role")
    actions = ("login_unlock",)

    @admin.display(description="密码")
    def password_state(self, obj: User) -> str:
        """Whether a password is set, and the link to set a new one (never the hash's summary)."""
        link = reverse("admin:auth_user_password_change", args=[obj.pk])
        if not obj.has_usable_password():
            return format_html('未设置密码（<a href="{}">设置密码</a>）', link)
        return format_html('已设置密码（可通过<a href="{}">修改密码</a>链接重置）', link)

    @admin.display(description="登录锁定")
    def locked(self, obj: User) -> str:
        """The operator's and institutions' accounts the login limits locked (core/accounts/
        lockout.py), until when (Beijing time)."""
        try:
            lock = login_locks_of(emails=[obj.email]).get(obj.email)
        except CACHE_ERRORS as error:
            logger.warning("login locks unavailable for the user list (%s)", type(error).__name__)
            return "未知"
        if lock is None:
            return "—"
        return f"锁定至{timezone.localtime(lock.until):%m-%d %H:%M}"

    @admin.action(description="解除所选账号的登录锁定", permissions=["change"])
    def login_unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = Actor.for_user(cast(User, request.user), schema=current_schema())
        unlocked = []
        try:
            for user in queryset.order_by("email"):
                if login_lock_clear(actor=actor, email=user.email):
                    unlocked.append(user.email)
        except CACHE_ERRORS:
            self.message_user(request, "系统繁忙，暂时无法解除锁定，请稍后再试", messages.ERROR)
            return
        if unlocked:
            self.message_user(request, f"已解除登录锁定：{'、'.join(unlocked)}", messages.SUCCESS)
        else:
            self.message_user(request, "所选账号均未被锁定", messages.INFO)
