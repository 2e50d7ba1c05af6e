"""The exchange endpoint. Before anything executes the request is admitted (token, agreement,
purpose); after execution the outcome is logged in the provider's exchange log and the exact answer
bytes are signed with the provider's key (header X-Exchange-Signature). Refusals are answered,
logged and signed the same way, so the consumer can trust the reason too."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from core.common.softcache import CACHE_ERRORS
from core.common.throttle import client_address
from exchange import errors
from exchange.errors import ExchangeRefused
from exchange.services.serving import (
    ExchangeGrant,
    answer_signature_for,
    exchange_admit,
    exchange_log_provided,
    refusal_is_verified,
    unsigned_request_id,
)
from exchange.transport import SIGNATURE_HEADER
from graphql_api.exchange.context import ExchangeContext
from graphql_api.exchange.schema import schema
from tenants.middleware import json_error
from tenants.models import District

CONTEXT_ATTR = "exchange_context"


class ExchangeGraphQLView(GraphQLView[ExchangeContext, None]):
    graphql_ide = None
    allow_queries_via_get = False

    def get_context(self, request: HttpRequest, response: HttpResponse) -> ExchangeContext:
        context = ExchangeContext(
            request=request, response=response, grant=getattr(request, "exchange_grant", None)
        )
        setattr(request, CONTEXT_ATTR, context)
        return context

    def encode_json(self, data: object) -> str:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        provider = getattr(request, "tenant", None)
        if not isinstance(provider, District) or provider.kind != "district":
            return json_error(404, "NOT_FOUND", "共享接口只在区县平台的域名上提供")
        if request.method != "POST":
            refusal = ExchangeRefused("共享接口只接受 POST 请求", code=errors.BAD_REQUEST)
            return _refused(provider, refusal, status=405)
        try:
            grant = exchange_admit(
                provider=provider,
                authorization=request.headers.get("Authorization", ""),
                body=request.body,
            )
        except ExchangeRefused as not_admitted:
            address = client_address(request)
            if not refusal_is_verified(not_admitted) and not _unverified_allowed(provider, address):
                return json_error(429, "TOO_MANY_UNVERIFIED",
                                  "未通过验证的共享请求过于频繁，请稍后再试")  # fmt: skip
            return _refused(provider, not_admitted, status=not_admitted.http_status,
                            address=address)  # fmt: skip
        setattr(request, "exchange_grant", grant)  # noqa: B010 (read by get_context)
        response = super().dispatch(request, *args, **kwargs)
        context: ExchangeContext | None = getattr(request, CONTEXT_ATTR, None)
        if not isinstance(response, HttpResponse) or context is None:
            refusal = ExchangeRefused("请求无法执行", code=errors.BAD_REQUEST)
            return _refused(provider, refusal, status=400, grant=grant)
        return _finish(provider, grant, context, response)


def _finish(
    provider: District, grant: ExchangeGrant, context: ExchangeContext, response: HttpResponse
) -> HttpResponseBase:
    body = response.content
    refusal = context.refusal
    if refusal is None and context.answer is None:
        refusal = ExchangeRefused(_first_error(body), code=errors.BAD_REQUEST)
    try:
        exchange_log_provided(
            grant=grant, refusal=refusal, answer=None if refusal else context.answer,
            request_id=grant.claims.nonce, response_hash=hashlib.sha256(body).hexdigest(),
            subject_code=context.subject_code,
        )  # fmt: skip
    except ExchangeRefused as replayed:
        return _refused(provider, replayed, status=replayed.http_status, grant=grant)
    response["Content-Type"] = "application/json; charset=utf-8"
    response["Cache-Control"] = "private, no-store"
    response[SIGNATURE_HEADER] = answer_signature_for(
        provider=provider, request_id=grant.claims.nonce, body=body
    )
    return response


def _first_error(body: bytes) -> str:
    """Why GraphQL did not run the request (a syntax or validation error), for the log."""
    try:
        data = json.loads(body)
        message = str(data["errors"][0]["message"])
    except (ValueError, KeyError, IndexError, TypeError):
        return "请求中没有共享查询（sharedRecords）"
    return f"请求无法执行：{message}"[:300]


def _unverified_allowed(provider: District, address: str) -> bool:
    """Count one unverified refusal from `address`; past the per-minute limit it is neither logged
    nor signed (a flood must not fill the tamper-evident log, nor cost a signature each)."""
    minute = int(time.time() // 60)
    key = f"exchange-unverified:{provider.schema_name}:{address}:{minute}"
    try:
        cache.add(key, 0, 120)
        count = int(cache.incr(key))
    except CACHE_ERRORS:
        return False  # cannot count: do not log without a limit
    return count <= settings.EXCHANGE_UNVERIFIED_PER_MINUTE


def _refused(
    provider: District,
    refusal: ExchangeRefused,
    *,
    status: int,
    grant: ExchangeGrant | None = None,
    address: str = "",
) -> HttpResponse:
    """Answer a refusal as a GraphQL error with its code; log it; sign it."""
    logged_id = str(refusal.details.get("request_id") or unsigned_request_id())
    payload = {"errors": [{"message": refusal.message, "extensions": {"code": refusal.code}}]}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    exchange_log_provided(
        grant=grant, refusal=refusal, answer=None, request_id=logged_id,
        response_hash=hashlib.sha256(body).hexdigest(), address=address,
    )  # fmt: skip
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    # The answer is bound to the nonce the caller sent, verified or not, so that a district whose
    # token failed can still check that this refusal comes from the provider.
    echoed = str(refusal.details.get("claimed_request_id") or logged_id)
    response[SIGNATURE_HEADER] = answer_signature_for(
        provider=provider, request_id=echoed, body=body
    )
    return response


exchange_graphql_view = csrf_exempt(ExchangeGraphQLView.as_view(schema=schema, graphql_ide=None))
