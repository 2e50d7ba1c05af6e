"""Who did something, as staff read it: the one place that turns a stored actor label
(`core.common.actors.Actor.label`, also kept in `created_by`, `uploaded_by`, … columns) into
Chinese.

A staff member: 张三（数据录入员，市场监管局） (name, role, department where known; the e-mail when
the account has no name or is gone). The system, the command line, the push API and the public
portal: 系统（上传处理）, 命令行（root）, 接口（部门系统 dk_ab12）, 公众（门户网站）.

It lives in the catalogue's layer because a staff member's department (StaffAssignment) is here;
users and roles are one layer below.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.accounts.actors import system_job
from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.tenancy import PUBLIC_SCHEMA, current_schema

_ROLES = dict(StaffRole.choices)


def _system(what: str) -> str:
    return system_job(what)


def _not_staff(label: str) -> str | None:
    """The wording of a label that is not a staff account, or None for an e-mail address."""
    if label == "public":
        return "公众（门户网站）"
    if label.startswith("system:"):
        return _system(label.removeprefix("system:"))
    if label.startswith("cli:"):
        return f"命令行（{label.removeprefix('cli:')}）"
    if label.startswith("api:"):
        parts = label.split(":")
        if len(parts) == 3:  # api:<department code>:<key prefix>, the push API
            return f"接口（部门系统 {parts[2]}）"
        return f"接口（调用密钥 {parts[-1]}）"
    if "@" not in label:
        return label or "—"
    return None


def _staff(users: Iterable[User]) -> dict[str, str]:
    users = list(users)
    departments: dict[int, str] = {}
    if users and current_schema() != PUBLIC_SCHEMA:
        from core.catalog.models import StaffAssignment

        departments = dict(
            StaffAssignment.objects.filter(user__in=users).values_list(
                "user_id", "department__name"
            )
        )
    named: dict[str, str] = {}
    for user in users:
        about = [str(_ROLES[user.role])] if user.role in _ROLES else []
        if user.pk in departments:
            about.append(departments[user.pk])
        name = user.full_name or user.email
        named[user.email] = f"{name}（{'，'.join(about)}）" if about else name
    return named


def actor_names(labels: Iterable[str]) -> dict[str, str]:
    """Each distinct label → its Chinese wording, with two queries for all the staff among them."""
    labels = set(labels)
    names: dict[str, str] = {}
    emails = []
    for label in labels:
        wording = _not_staff(label)
        if wording is None:
            emails.append(label)
        else:
            names[label] = wording
    found = _staff(User.objects.filter(email__in=emails)) if emails else {}
    for email in emails:
        names[email] = found.get(email, email)
    return names


def actor_name(label: str) -> str:
    """One label in Chinese (see actor_names for many)."""
    return actor_names([label])[label]
