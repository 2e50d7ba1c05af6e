"""The HTTP endpoint for both schemas: typed context, persisted queries, CSRF for cookie sessions,
unescaped Chinese in responses, cacheable GET responses for anonymous persisted queries."""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView
from strawberry.http import GraphQLRequestData

from core.collection.push import api_key_authenticate
from graphql_api import persisted
from graphql_api.context import GraphQLContext
from graphql_api.district.schema import schema as district_schema
from graphql_api.operator.schema import schema as operator_schema
from tenants.middleware import json_error


def _no_view(request: HttpRequest) -> HttpResponse:
    """Stands in for the view in the CSRF check (the check never calls it)."""
    return HttpResponse()


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """Cookie-authenticated writes need the CSRF token like any form; API clients without a session
    cookie are not exposed to CSRF and are let through."""
    if request.method != "POST" or not request.user.is_authenticated:
        return None
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return None
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, _no_view, (), {})


class CreditGraphQLView(GraphQLView[GraphQLContext, None]):
    graphql_ide = "graphiql" if settings.DEBUG else None

    def get_context(self, request: HttpRequest, response: HttpResponse) -> GraphQLContext:
        district = getattr(request, "tenant", None)
        if district is not None and district.kind != "district":
            district = None
        user = request.user if request.user.is_authenticated else None
        department_key = None
        bearer = request.headers.get("Authorization", "")
        if district is not None and bearer.startswith("Bearer "):
            department_key = api_key_authenticate(bearer.removeprefix("Bearer ").strip())
        return GraphQLContext(
            request=request,
            response=response,
            district=district,
            user=user,
            department_key=department_key,
        )

    def encode_json(self, data: object) -> str:
        # Chinese as UTF-8, not \uXXXX: responses are about 70 % smaller (STACK.md).
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        parsed = super().parse_http_body(request)
        if isinstance(parsed, list):
            return [self._resolve_persisted(item) for item in parsed]
        return self._resolve_persisted(parsed)

    @staticmethod
    def _resolve_persisted(data: GraphQLRequestData) -> GraphQLRequestData:
        extension = (data.extensions or {}).get("persistedQuery")
        if not isinstance(extension, dict):
            return data
        sha256 = extension.get("sha256Hash")
        if not isinstance(sha256, str) or len(sha256) != 64:
            raise HTTPException(400, "persistedQuery.sha256Hash must be a SHA-256 hex digest")
        query = persisted.resolve(sha256=sha256, query=data.query)
        return GraphQLRequestData(
            query=query,
            variables=data.variables,
            operation_name=data.operation_name,
            extensions=data.extensions,
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        rejected = _csrf_failure(request)
        if rejected is not None:
            return json_error(403, "CSRF_FAILED", "CSRF 校验失败：请刷新页面后重试")
        try:
            response = super().dispatch(request, *args, **kwargs)
        except persisted.PersistedQueryNotFound:
            return json_error(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
        except persisted.PersistedQueryMismatch:
            return json_error(400, "PERSISTED_QUERY_HASH_MISMATCH", "查询文本与其 SHA-256 不符")
        if response.get("Content-Type", "").startswith("application/json"):
            response["Content-Type"] = "application/json; charset=utf-8"
        if (
            request.method == "GET"
            and not request.user.is_authenticated
            and response.status_code == 200
        ):
            response["Cache-Control"] = f"public, max-age={settings.GRAPHQL_GET_MAX_AGE}"
            response["Vary"] = "Cookie, Authorization"
        else:
            response["Cache-Control"] = "private, no-store"
        return response


# CSRF is checked in dispatch() for cookie sessions only; see _csrf_failure.
district_graphql_view = csrf_exempt(CreditGraphQLView.as_view(schema=district_schema))
operator_graphql_view = csrf_exempt(CreditGraphQLView.as_view(schema=operator_schema))
