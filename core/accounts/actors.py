"""Who did something on the operator's domain (the public schema), as the operator reads it: the
public-schema counterpart of `core.catalog.actors` (districts' staff). A stored actor label
(`core.common.actors.Actor.label`, also kept in `created_by`, `recorded_by`, … columns) becomes
Chinese: 张三（运营方管理员）, li@bank.example（机构用户）, 系统（演示数据）, 命令行（root）.

It lives with the accounts because an operator account is a `User` of the public schema; the
billing and provisioning consoles (higher layers) use it."""

from __future__ import annotations

from collections.abc import Iterable

from core.accounts.models import User

# What each system job is, by the name after "system:" (core.common.actors.Actor.system).
SYSTEM_JOBS = {
    "upload": "上传处理",
    "ingest": "数据入库",
    "daily-expiry": "每日到期处理",
    "daily-retention": "到期删除",
    "login-limit": "登录限制",
    "exchange": "信息共享",
    "upstream-push": "上级平台报送",
    "period-close": "账期结算",
    "monitoring-renewal": "监测续期",
    "purge-due": "到期清除区县",
    "demo": "演示数据",
    "default": "默认设置",
    "tests": "自动测试",
}


def system_job(what: str) -> str:
    """系统（…） for the part of a system label after "system:"."""
    job = what.split(":", 1)[0]
    return f"系统（{SYSTEM_JOBS.get(job, '自动处理')}）"


def _not_an_account(label: str) -> str | None:
    """The wording of a label that names no account, or None for an e-mail address."""
    if label.startswith("system:"):
        return system_job(label.removeprefix("system:"))
    if label.startswith("cli:"):
        return f"命令行（{label.removeprefix('cli:')}）"
    if label.startswith("api:"):
        return f"接口（调用密钥 {label.rsplit(':', 1)[-1]}）"
    if label == "public":
        return "公众（门户网站）"
    if "@" not in label:
        return label or "—"
    return None


def _role(user: User) -> str:
    if user.is_superuser or user.is_staff:
        return "运营方管理员"
    return "机构用户"


def public_actor_names(labels: Iterable[str]) -> dict[str, str]:
    """Each distinct label → its Chinese wording, with one query for all the accounts among them
    (run in the public schema)."""
    names: dict[str, str] = {}
    emails = []
    for label in set(labels):
        wording = _not_an_account(label)
        if wording is None:
            emails.append(label)
        else:
            names[label] = wording
    users = {u.email: u for u in User.objects.filter(email__in=emails)} if emails else {}
    for email in emails:
        user = users.get(email)
        names[email] = f"{user.full_name or email}（{_role(user)}）" if user else email
    return names


def public_actor_name(label: str) -> str:
    """One label in Chinese (see public_actor_names for many)."""
    return public_actor_names([label])[label]
