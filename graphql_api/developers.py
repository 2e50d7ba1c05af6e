"""The developer portal (issue 24): the API reference on the operator's domain (`/developers/`),
generated from the district schema's introspection, and GraphiQL on every district's domain
(`/developers/graphiql/`), served from vendored files (no CDN)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET
from graphql import get_introspection_query, graphql_sync

from billing.services.keys import KEY_PREFIX as INSTITUTION_KEY_PREFIX
from billing.services.keys import SANDBOX_KEY_PREFIX
from billing.services.notices import SIGNATURE_HEADER
from billing.services.sandbox import SANDBOX_MAX_KEYS, SANDBOX_MONTHLY_UNITS
from core.common.middleware import POLICY
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject
from graphql_api.district.schema import schema as district_schema
from tenants.enums import DistrictKind
from tenants.models import District, Domain

# Latin runs in a Chinese description are technical tokens (field names, codes, headers): set them
# in <code> so they read as what they are.
_TOKEN = re.compile(r"[A-Za-z_#][A-Za-z0-9_#./:\-…]*(?:\s+[A-Za-z_][A-Za-z0-9_\-…]*)*")

# The payload error enums, in the order the reference lists them.
ERROR_ENUMS = ("BillingErrorCode", "DisciplineErrorCode", "RecordsPushErrorCode", "ThemeErrorCode")

# What a caller should do about each code (the meaning comes from the schema's descriptions).
ADVICE = {
    "INVALID": "按 field 与 message 修正输入后重新提交（使用新的幂等键）。",
    "NOT_FOUND": "核对代码或编号；确认请求的是正确的区县。",
    "UNAUTHENTICATED": "在 Authorization 请求头中携带有效密钥（Bearer ck_… 或 Bearer dk_…）。",
    "FORBIDDEN": "从密钥白名单内的地址调用，或请运营方调整白名单。",
    "OUT_OF_SCOPE": "使用包含该产品或区县的密钥，或联系运营方调整合同。",
    "NO_CONTRACT": "联系运营方签订或续签本区县的合同。",
    "NOT_FOR_SALE": "该产品暂不可购买，请联系运营方。",
    "CONSENT_REQUIRED": "先用 consentLodge 提交授权书，再以其 consentId 购买。",
    "QUOTA_EXCEEDED": "等待下一账期，或联系运营方调整上限。",
    "WALLET_INSUFFICIENT": "为预付费钱包充值后重试。",
    "PACKAGE_EXHAUSTED": "购买新套餐后重试。",
    "RATE_LIMITED": "等待 retryAfter 秒（或 Retry-After 响应头）后以相同幂等键重试。",
    "IDEMPOTENCY_KEY_REUSED": "每个新请求使用新的幂等键；只有重试同一请求时才沿用原键。",
    "CONFLICT": "稍后以相同幂等键重试。",
    "FOREIGN_MATTER": "只能使用本部门的事项（见 creditCheckMatters）。",
    "MATTER_INACTIVE": "改用有效的事项，或请区县重新启用。",
    "FOREIGN_CHECK": "只能反馈本部门的核查。",
    "NOTHING_FOUND": "无需反馈。",
    "ALREADY_FED_BACK": "无需再次反馈；如需更正请联系区县。",
    "UNKNOWN_FIELDS": "按全国字段集改正 unknownFields 中的键后重新报送。",
    "SANDBOX_KEY": "正式区县请使用正式密钥；沙箱密钥只用于沙箱接口地址。",
    "LIVE_KEY_IN_SANDBOX": "在沙箱中使用机构“接口密钥”页签发的沙箱密钥。",
}

# Answers outside the payloads: `errors[].extensions.code` of an ApplicationError, and the
# endpoint's own JSON errors (graphql_api/views.py, graphql_api/errors.py).
TRANSPORT_ERRORS = [
    ("UNAVAILABLE", "服务暂时不可用。", "稍后以相同幂等键重试。"),
    ("CSRF_FAILED", "携带登录会话的请求未带 CSRF 令牌。", "接口调用不要携带浏览器会话，只用 Authorization 请求头。"),
    ("PERSISTED_QUERY_NOT_FOUND", "服务器不认识该持久化查询的哈希。", "连同查询文本再发送一次以注册。"),
    ("PERSISTED_QUERY_HASH_MISMATCH", "查询文本与其 SHA-256 不符。", "重新计算查询文本的 SHA-256。"),
    ("DOCUMENT_TOO_LARGE", "查询文本过大（HTTP 413）。", "缩短查询，或改用持久化查询。"),
    ("Unexpected error.", "服务器内部错误，详情已记录，不对外显示。", "稍后以相同幂等键重试；持续出现请联系运营方并提供调用时间。"),
]  # fmt: skip


def describe(text: str | None) -> SafeString:
    """A description as HTML, its technical tokens in <code>."""
    escaped = escape(text or "")
    return mark_safe(_TOKEN.sub(lambda m: f"<code>{m.group(0)}</code>", escaped))  # noqa: S308


def _type_name(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return f"{_type_name(ref['ofType'])}!"
    if ref["kind"] == "LIST":
        return f"[{_type_name(ref['ofType'])}]"
    return str(ref["name"])


def _base_name(ref: dict[str, Any]) -> str:
    while ref.get("ofType"):
        ref = ref["ofType"]
    return str(ref["name"])


def _arguments(args: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": a["name"],
            "type": _type_name(a["type"]),
            "link": _base_name(a["type"]),
            "default": a.get("defaultValue"),
            "description": describe(a["description"]),
        }
        for a in args
    ]


def _fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": f["name"],
            "type": _type_name(f["type"]),
            "link": _base_name(f["type"]),
            "description": describe(f["description"]),
            "args": _arguments(f.get("args") or []),
        }
        for f in fields
    ]


@lru_cache(maxsize=1)
def reference() -> dict[str, Any]:
    """The district schema's introspection, arranged for the reference page (built once per
    process: the schema does not change while it runs)."""
    result = graphql_sync(district_schema._schema, get_introspection_query(descriptions=True))
    assert result.data is not None
    schema = result.data["__schema"]
    types = {t["name"]: t for t in schema["types"] if not t["name"].startswith("__")}
    builtin = {"String", "Int", "Float", "Boolean", "ID"}
    named = [t for name, t in sorted(types.items()) if name not in builtin]
    roots = {schema["queryType"]["name"], schema["mutationType"]["name"]}

    def entries(kind: str) -> list[dict[str, Any]]:
        return [
            {
                "name": t["name"],
                "description": describe(t["description"]),
                "fields": _fields(t.get("fields") or []),
                "inputs": _arguments(t.get("inputFields") or []),
                "values": [
                    {"name": v["name"], "description": describe(v["description"])}
                    for v in t.get("enumValues") or []
                ],
            }
            for t in named
            if t["kind"] == kind and t["name"] not in roots
        ]

    errors = []
    for enum in ERROR_ENUMS:
        for value in types[enum]["enumValues"]:
            errors.append(
                {
                    "where": enum,
                    "code": value["name"],
                    "meaning": describe(value["description"]),
                    "advice": describe(ADVICE.get(value["name"], "按 message 的说明处理。")),
                }
            )
    for code, meaning, advice in TRANSPORT_ERRORS:
        errors.append(
            {
                "where": "errors",
                "code": code,
                "meaning": describe(meaning),
                "advice": describe(advice),
            }
        )
    return {
        "queries": _fields(types[schema["queryType"]["name"]]["fields"]),
        "mutations": _fields(types[schema["mutationType"]["name"]]["fields"]),
        "objects": entries("OBJECT"),
        "inputs": entries("INPUT_OBJECT"),
        "enums": entries("ENUM"),
        "scalars": entries("SCALAR"),
        "errors": errors,
    }


def _sandbox() -> dict[str, str] | None:
    """The sandbox's primary domain, when the operator has set one up."""
    host = (
        Domain.objects.filter(is_primary=True, tenant__kind=DistrictKind.SANDBOX)
        .values_list("domain", flat=True)
        .first()
    )
    return None if host is None else {"host": host}


def _districts() -> list[dict[str, str]]:
    """Each district's name and primary domain, for the endpoint list."""
    hosts = dict(
        Domain.objects.filter(
            is_primary=True, tenant__kind="district", tenant__status="active"
        ).values_list("tenant_id", "domain")
    )
    return [
        {"name": d.name, "host": hosts[d.pk]}
        for d in District.objects.filter(pk__in=hosts).order_by("name")
    ]


@require_GET
def reference_page(request: HttpRequest) -> HttpResponse:
    """`/developers/` on the operator's domain: public, no login."""
    context = {
        **reference(),
        "districts": _districts(),
        "scheme": "https" if request.is_secure() else "http",
        "port": "" if request.get_port() in ("80", "443") else f":{request.get_port()}",
        "institution_prefix": INSTITUTION_KEY_PREFIX,
        "signature_header": SIGNATURE_HEADER,
        "sandbox": _sandbox(),
        "sandbox_prefix": SANDBOX_KEY_PREFIX,
        "sandbox_max_keys": SANDBOX_MAX_KEYS,
        "sandbox_monthly_units": SANDBOX_MONTHLY_UNITS,
    }
    response = render(request, "developers/reference.html", context)
    response["Cache-Control"] = "public, max-age=300"
    return response


# GraphiQL's stylesheet embeds its fonts as data: URLs; otherwise the page keeps the site's policy.
GRAPHIQL_POLICY = POLICY.replace(
    "img-src 'self' data:;", "img-src 'self' data:; font-src 'self' data:;"
)


@require_GET
def graphiql_page(request: HttpRequest) -> HttpResponse:
    """`/developers/graphiql/` on a district's domain: GraphiQL against this district's
    `/graphql/` (same origin, so no CORS). The key is typed into the page and sent as the
    Authorization header from the browser; the server never stores it."""
    district = getattr(request, "tenant", None)
    response = render(
        request, "developers/graphiql.html", {"district_name": getattr(district, "name", "")}
    )
    response["Content-Security-Policy"] = GRAPHIQL_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


SANDBOX_SAMPLES = 12


@require_GET
def sandbox_home(request: HttpRequest) -> HttpResponse:
    """The sandbox's own domain: what it is, where to call it, and companies to try."""
    samples = list(
        Subject.objects.filter(kind=SubjectKind.LEGAL, uscc__isnull=False)
        .order_by("id")
        .values("name", "uscc")[:SANDBOX_SAMPLES]
    )
    return render(request, "developers/sandbox.html", {
        "samples": samples, "sandbox_prefix": SANDBOX_KEY_PREFIX,
        "sandbox_monthly_units": SANDBOX_MONTHLY_UNITS,
    })  # fmt: skip
