"""Endpoint settings. Endpoints (name and URL) are the operator's (`upstream_endpoint_configure`,
reached through provisioning/services/upstream.py); a district admin sets only the token, whether
pushing is on and the source code of returned files (`upstream_endpoint_update`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.catalog.models import Department
from core.common.actors import Actor
from core.common.errors import NotFound, ValidationFailed
from core.common.identifiers import normalise, uscc_problem
from core.common.tenancy import current_schema
from core.upstream.egress import EgressRefused, destination_resolve
from core.upstream.models import UpstreamEndpoint
from core.upstream.permissions import UPSTREAM_MANAGE

NAME_LENGTH = "名称应为2–50字"
URL_REQUIRED = "运营方尚未设置该平台的上报地址，暂不能启用推送"
TOKEN_REQUIRED = "启用推送须填写访问令牌"


@dataclass(frozen=True)
class EndpointChanges:
    """What the district admin may change on an endpoint (the operator sets its name and URL).
    `token` None keeps the stored one."""

    token: str | None
    enabled: bool
    source_code: str = ""


def endpoint_url_check(url: str) -> str:
    """The URL an endpoint may have: empty (no pushing), or HTTPS to a host on the operator's
    list whose every address is public (core/upstream/egress.py). Refusals are in Chinese."""
    url = url.strip()
    if not url:
        return ""
    try:
        destination_resolve(url)
    except EgressRefused as refused:
        raise ValidationFailed(refused.message, field="url", code=refused.code) from refused
    return url


def _check_token(token: str) -> str:
    token = token.strip()
    if len(token) > 500:
        raise ValidationFailed("访问令牌不能超过500个字符", field="token", code="BAD_TOKEN")
    if any(not (33 <= ord(c) <= 126) for c in token):
        raise ValidationFailed(
            "访问令牌只能包含英文字母、数字和符号，不能有空格或中文",
            field="token",
            code="BAD_TOKEN",
        )
    return token


def _source_department(code: str, name: str) -> Department | None:
    """The department files from this platform are imported under (created on first use)."""
    code = normalise(code)
    if not code:
        return None
    if (problem := uscc_problem(code)) is not None:
        raise ValidationFailed(
            f"上级平台统一社会信用代码有误：{problem.message}", field="source_code"
        )
    department = Department.objects.filter(code=code).first()
    if department is None:
        return Department.objects.create(
            code=code, name=f"{name}（上级平台）"[:100], is_upstream=True
        )
    if not department.is_upstream:
        raise ValidationFailed(
            f"统一社会信用代码{code}已登记为本区县部门“{department.name}”，不能作为上级平台来源",
            field="source_code",
            code="DEPARTMENT_EXISTS",
        )
    return department


@transaction.atomic
def upstream_endpoint_configure(*, actor: Actor, name: str, url: str) -> UpstreamEndpoint:
    """Add an upstream platform or change its URL, by name (the operator only: call it through
    provisioning/services/upstream.py, which also writes the platform audit log). The URL is checked
    by `endpoint_url_check`; an empty URL turns pushing off. Returns the endpoint."""
    name = name.strip()
    if not 2 <= len(name) <= 50:
        raise ValidationFailed(NAME_LENGTH, field="name")
    url = endpoint_url_check(url)
    endpoint = UpstreamEndpoint.objects.select_for_update().filter(name=name).first()
    created = endpoint is None
    endpoint = endpoint or UpstreamEndpoint(name=name)
    previous = endpoint.url
    endpoint.url = url
    if not url:
        endpoint.enabled = False
    endpoint.updated_at = timezone.now()
    endpoint.save()
    audit_record(
        actor=actor,
        action="upstream.endpoint.configure",
        details={"endpoint": endpoint.pk, "name": name, "url": url, "previous_url": previous,
                 "created": created, "enabled": endpoint.enabled},
    )  # fmt: skip
    return endpoint


@transaction.atomic
def upstream_endpoint_update(
    *, actor: User, endpoint_id: int, changes: EndpointChanges
) -> UpstreamEndpoint:
    """Change the district's side of an upstream platform (district admins): its token, whether
    pushing is on (needs the operator's URL and a token) and the source code that makes (or
    reuses) the department its returned files are imported under. Name and URL are the
    operator's."""
    require(actor, UPSTREAM_MANAGE)
    endpoint = UpstreamEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("没有这个上级平台", code="NOT_FOUND")
    token = _check_token(changes.token) if changes.token is not None else endpoint.token
    if changes.enabled and not endpoint.url:
        raise ValidationFailed(URL_REQUIRED, field="enabled", code="NO_URL")
    if changes.enabled and not token:
        raise ValidationFailed(TOKEN_REQUIRED, field="token")
    department = _source_department(changes.source_code, endpoint.name)
    token_changed = token != endpoint.token
    endpoint.token, endpoint.enabled = token, changes.enabled
    if department is not None:
        endpoint.department = department
    endpoint.updated_at = timezone.now()
    endpoint.save()
    audit_record(
        actor=Actor.for_user(actor, schema=current_schema()),
        action="upstream.endpoint.update",
        details={"endpoint": endpoint.pk, "name": endpoint.name, "enabled": endpoint.enabled,
                 "token_changed": token_changed, "department": endpoint.department_id},
    )  # fmt: skip
    return endpoint
