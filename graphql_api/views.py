"""The HTTP endpoint for both schemas: typed context, persisted queries, CSRF for cookie sessions,
unescaped Chinese in responses, cacheable GET responses for anonymous persisted queries."""

from __future__ import annotations

import hashlib
from typing import Any, Literal, cast

import orjson
from cross_web import HTTPException
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from strawberry import Schema
from strawberry.django.views import GraphQLView, TemporalHttpResponse
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from billing.services.keys import KEY_PREFIX as INSTITUTION_KEY_PREFIX
from billing.services.keys import institution_key_authenticate
from core.collection.push import department_key_authenticate
from core.common import changefeed
from core.common.errors import ApplicationError
from core.common.processcache import ProcessCache
from core.common.softcache import cache_get_many, cache_set
from core.common.tenancy import current_schema
from core.common.throttle import client_address
from core.common.versioning import KEY as VERSION_KEY
from core.common.versioning import data_version
from graphql_api import persisted
from graphql_api.context import GraphQLContext
from graphql_api.district.schema import schema as district_schema
from graphql_api.documents import DocumentRefused, document_check, document_is_valid
from graphql_api.operator.schema import schema as operator_schema
from graphql_api.records import compiled
from tenants.enums import DistrictKind
from tenants.middleware import json_error

# Where the district API answers: the districts and the developers' sandbox (generated data).
API_KINDS = frozenset({DistrictKind.DISTRICT, DistrictKind.SANDBOX})


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


# The browser IDE only while developing. Given to as_view(): strawberry's constructor default
# ("graphiql") overrode a class attribute, so production served it (issue 18, finding 11).
GRAPHQL_IDE: Literal["graphiql"] | None = "graphiql" if settings.DEBUG else None


class CreditGraphQLView(GraphQLView[GraphQLContext, None]):
    graphql_ide = GRAPHQL_IDE

    def get_context(self, request: HttpRequest, response: HttpResponse) -> GraphQLContext:
        district = getattr(request, "tenant", None)
        if district is not None and district.kind not in API_KINDS:
            district = None
        user = request.user if request.user.is_authenticated else None
        context = GraphQLContext(request=request, response=response, district=district, user=user)
        bearer = request.headers.get("Authorization", "")
        if district is None or not bearer.startswith("Bearer "):
            return context
        secret = bearer.removeprefix("Bearer ").strip()
        sandbox = district.kind == DistrictKind.SANDBOX
        if secret.startswith(INSTITUTION_KEY_PREFIX):
            try:
                context.institution_key = institution_key_authenticate(
                    secret, address=client_address(request), sandbox=sandbox
                )
            except ApplicationError as refused:
                context.credential_error = refused
        elif not sandbox:  # the sandbox has no departments
            context.department_key = department_key_authenticate(secret)
        return context

    def encode_json(self, data: object) -> bytes:
        # Chinese as UTF-8 rather than \u escapes: responses are about 70 % smaller (STACK.md).
        # orjson: compact, UTF-8, several times faster; it embeds compiled answers as they are.
        return orjson.dumps(data, default=_json_default)

    def execute_single(  # noqa: PLR0917 (strawberry's signature)
        self,
        request: HttpRequest,
        request_adapter: Any,
        sub_response: TemporalHttpResponse,
        context: GraphQLContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """The public's `subject(code:)` from one SQL statement (graphql_api/records/compiled.py);
        everything else, and staff (who see more), executed by strawberry."""
        if context.user is None and context.district is not None and request_data.query is not None:
            plan = compiled.plan_for(
                cast(Schema, self.schema)._schema, request_data.query, request_data.operation_name
            )
            data = (
                None
                if plan is None
                else compiled.answer(plan, request_data.variables, timezone.localdate())
            )
            if data is not None:
                request.graphql_operation_type = OperationType.QUERY  # type: ignore[attr-defined]
                return ExecutionResult(data=data, errors=None)
        return super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        parsed = super().parse_http_body(request)
        django_request: HttpRequest = request.request
        if isinstance(parsed, list):
            return [self._resolve_persisted(django_request, item) for item in parsed]
        return self._resolve_persisted(django_request, parsed)

    def _resolve_persisted(
        self, request: HttpRequest, data: GraphQLRequestData
    ) -> GraphQLRequestData:
        if data.query is not None:
            document_check(data.query)  # before anything parses, caches or stores it
        extension = (data.extensions or {}).get("persistedQuery")
        if not isinstance(extension, dict):
            return data
        sha256 = extension.get("sha256Hash")
        if not isinstance(sha256, str) or len(sha256) != 64:
            raise HTTPException(400, "persistedQuery.sha256Hash must be a SHA-256 hex digest")
        query = persisted.resolve(
            sha256=sha256, query=data.query, registrant=lambda: _registrant(request),
            is_valid=lambda document: document_is_valid(cast(Schema, self.schema)._schema, document),
        )  # fmt: skip
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
        key = _response_cache_key(request)
        version = stamp = None
        today = timezone.localdate().isoformat()
        kept_as = (current_schema(), key)
        if key is not None:
            # First this process's memory, valid while the change feed announced no change of the
            # district's data (core/common/processcache.py): no round trip at all.
            stamp = changefeed.stamp(changefeed.data_topic(kept_as[0]))
            kept = None if stamp is None else _kept_answers.get(kept_as, stamp, today)
            if kept is not None:
                return _finish(request, _json_response(kept))
            # Then one round trip: the district's data version and the entry, which says the
            # version and day it was answered under (core/common/versioning.py).
            found = cache_get_many([VERSION_KEY, key])
            version = found.get(VERSION_KEY)
            entry = found.get(key)
            if version is not None and isinstance(entry, tuple) and entry[:2] == (version, today):
                if stamp is not None:
                    _kept_answers.put(kept_as, stamp, today, entry[2], _kept_seconds())
                return _finish(request, _json_response(entry[2]))
            version = version or data_version()  # read before answering, never after
        try:
            response = super().dispatch(request, *args, **kwargs)
        except persisted.PersistedQueryNotFound:
            return json_error(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
        except persisted.PersistedQueryMismatch:
            return json_error(400, "PERSISTED_QUERY_HASH_MISMATCH", "查询文本与其 SHA-256 不符")
        except DocumentRefused as refused:
            return json_error(413, "DOCUMENT_TOO_LARGE", refused.message)
        if response.get("Content-Type", "").startswith("application/json"):
            response["Content-Type"] = "application/json; charset=utf-8"
        if key is not None and isinstance(response, HttpResponse) and _cacheable(request, response):
            # The version read before answering: a write meanwhile moved it, so this entry is
            # never served (it is keyed by the older one).
            entry = (version, today, response.content)
            cache_set(key, entry, settings.GRAPHQL_RESPONSE_CACHE_SECONDS)
            if stamp is not None:
                _kept_answers.put(kept_as, stamp, today, response.content, _kept_seconds())
        return _finish(request, response)


# Anonymous answers kept in each process: a few thousand, small ones only (a subject's answer is
# about 2 KB), for at most the shared cache's time.
_kept_answers = ProcessCache(max_entries=2_000, max_entry_bytes=16_384)


def _kept_seconds() -> float:
    return float(settings.GRAPHQL_RESPONSE_CACHE_SECONDS)


def _json_response(content: bytes) -> HttpResponse:
    return HttpResponse(content, content_type="application/json; charset=utf-8")


def _json_default(value: object) -> object:
    """What orjson does not encode itself (strawberry's results are plain already)."""
    return DjangoJSONEncoder().default(value)


def _registrant(request: HttpRequest) -> str | None:
    """Who may register a persisted query, as a quota key: anyone while developing; in production
    a staff session or a valid API key of this district, never an anonymous caller."""
    if settings.DEBUG:
        return "debug"
    district = getattr(request, "tenant", None)
    schema = getattr(district, "schema_name", "public")
    if request.user.is_authenticated:
        return f"user:{schema}:{request.user.pk}"
    secret = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not secret or district is None or district.kind not in API_KINDS:
        return None
    if secret.startswith(INSTITUTION_KEY_PREFIX):
        try:
            key = institution_key_authenticate(
                secret, address=client_address(request),
                sandbox=district.kind == DistrictKind.SANDBOX,
            )  # fmt: skip
        except ApplicationError:
            return None
        return f"institution:{key.prefix}"
    department_key = department_key_authenticate(secret)
    return None if department_key is None else f"department:{schema}:{department_key.pk}"


def _finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Only an anonymous GET may be kept by browsers and proxies: a request carrying credentials
    (an API key, a session cookie, logged in or not) is answered `private, no-store`, so its
    answer never reaches another caller through a shared cache."""
    if (
        request.method == "GET"
        and response.status_code == 200
        and not _carries_credentials(request)
    ):
        response["Cache-Control"] = f"public, max-age={settings.GRAPHQL_GET_MAX_AGE}"
        response["Vary"] = "Cookie, Authorization"
    else:
        response["Cache-Control"] = "private, no-store"
    return response


def _carries_credentials(request: HttpRequest) -> bool:
    return (
        request.user.is_authenticated
        or "Authorization" in request.headers
        or settings.SESSION_COOKIE_NAME in request.COOKIES
    )


def _response_cache_key(request: HttpRequest) -> str | None:
    """Anonymous requests to a district are answered from the cache when the same request was
    answered before under the same data version and date (core/common/versioning.py): the key
    names the request; the entry carries the version and date (see dispatch)."""
    if settings.GRAPHQL_RESPONSE_CACHE_SECONDS <= 0:
        return None
    district = getattr(request, "tenant", None)
    if district is None or district.kind != "district" or request.user.is_authenticated:
        return None
    if "Authorization" in request.headers:
        return None
    raw = (
        request.body if request.method == "POST" else request.META.get("QUERY_STRING", "").encode()
    )
    if len(raw) > 20_000:
        return None
    return f"graphql:response:{hashlib.sha256(raw).hexdigest()}"


def _cacheable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if (
        getattr(request, "graphql_operation_type", None) != OperationType.QUERY
        or response.status_code != 200
    ):
        return False
    return isinstance(response, HttpResponse) and b'"errors"' not in response.content


# CSRF is checked in dispatch() for cookie sessions only; see _csrf_failure.
district_graphql_view = csrf_exempt(
    CreditGraphQLView.as_view(schema=district_schema, graphql_ide=GRAPHQL_IDE)
)
operator_graphql_view = csrf_exempt(
    CreditGraphQLView.as_view(schema=operator_schema, graphql_ide=GRAPHQL_IDE)
)
