"""The HTTP layer every schema shares: limits, masking, persisted queries, encoding, CSRF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import schema_context
from graphql import GraphQLError
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from core.accounts.models import User
from core.common.errors import ValidationFailed
from graphql_api.district.schema import Query
from graphql_api.errors import should_mask_error
from graphql_api.persisted import PERSISTED_DIR, document_hash
from graphql_api.schema_base import CACHE_SIZE, build_schema
from tests.conftest import gql
from tests.core.collection.files import uscc

PROFILE = (PERSISTED_DIR / "district" / "DistrictProfile.graphql").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_responses_carry_chinese_as_utf8_not_escapes(wanzhou_client: Client) -> None:
    response = wanzhou_client.post(
        "/graphql/",
        data=json.dumps({"query": "{ district { name } }"}),
        content_type="application/json",
    )

    assert response.content == '{"data":{"district":{"name":"万州区"}}}'.encode()
    assert response["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.django_db
def test_queries_deeper_than_the_limit_are_refused(settings: Any) -> None:
    settings.GRAPHQL_MAX_DEPTH = 3
    schema = build_schema(query=Query)
    query = "{ catalogCategories { edges { node { items { code } } } } }"

    with schema_context("wanzhou"):
        result = schema.execute_sync(query)

    assert result.data is None
    assert [e.message for e in result.errors or []] == [
        "'anonymous' exceeds maximum operation depth of 3"
    ]


@pytest.mark.django_db
def test_the_served_schemas_allow_ten_levels(wanzhou_client: Client) -> None:
    body = gql(wanzhou_client, "{ catalogCategories { edges { node { items { code } } } } }")

    assert "errors" not in body
    assert django_settings.GRAPHQL_MAX_DEPTH == 10


@pytest.mark.django_db
def test_repeated_documents_skip_parsing_and_validation(
    wanzhou_client: Client, settings: Any
) -> None:
    settings.GRAPHQL_RESPONSE_CACHE_SECONDS = (
        0  # answered from the response cache, nothing is parsed
    )
    query = "{ district { slug regionCode } }"
    validations: Any = _get_validate_cache(CACHE_SIZE)
    parses: Any = _get_parse_cache(CACHE_SIZE)
    gql(wanzhou_client, query)
    before = (validations.cache_info().hits, parses.cache_info().hits)

    for _ in range(3):
        gql(wanzhou_client, query)

    assert validations.cache_info().hits - before[0] == 3
    assert parses.cache_info().hits - before[1] == 3


@pytest.mark.django_db
def test_too_many_aliases_are_refused(wanzhou_client: Client) -> None:
    query = "{ " + " ".join(f"a{i}: district {{ name }}" for i in range(16)) + " }"

    body = gql(wanzhou_client, query)

    assert body["data"] is None
    assert body["errors"][0]["message"] == "16 aliases found. Allowed: 15"


@pytest.mark.django_db
def test_too_many_tokens_are_refused_before_parsing(wanzhou_client: Client) -> None:
    query = "{ district { " + " ".join(["name"] * 2100) + " } }"

    body = gql(wanzhou_client, query)

    assert body == {
        "_status": 413,
        "errors": [{"message": "查询文档的词法单元过多（含注释）：2105个，上限为2000个",
                    "extensions": {"code": "DOCUMENT_TOO_LARGE"}}],
    }  # fmt: skip


@pytest.mark.django_db
def test_comments_count_as_tokens_and_long_documents_are_refused(wanzhou_client: Client) -> None:
    commented = "{ district { name } }\n" + "#\n" * 2000
    padded = "{ district { name } }" + " " * 20_000

    assert gql(wanzhou_client, commented)["errors"][0]["message"] == (
        "查询文档的词法单元过多（含注释）：2006个，上限为2000个"
    )
    assert gql(wanzhou_client, padded)["errors"][0]["message"] == (
        "查询文档过长：20021个字符，上限为20000个"
    )
    assert gql(wanzhou_client, "{ district { name } } # a comment")["data"] == {
        "district": {"name": "万州区"}
    }


@pytest.mark.django_db
def test_pages_are_capped_at_100_with_a_clear_message(wanzhou_client: Client) -> None:
    body = gql(wanzhou_client, "{ catalogCategories(first: 101) { totalCount } }")

    assert body["errors"][0]["message"] == "Argument 'first' cannot be higher than 100."


@pytest.mark.django_db
def test_relay_pagination_walks_the_catalogue(wanzhou_client: Client) -> None:
    query = "query($after: String) { catalogCategories(first: 5, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { number } } } }"
    numbers: list[int] = []
    after = None
    while True:
        page = gql(wanzhou_client, query, {"after": after})["data"]["catalogCategories"]
        numbers += [e["node"]["number"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert page["totalCount"] == 11
    assert numbers == list(range(1, 12))


def test_unexpected_errors_are_masked_and_application_errors_are_not() -> None:
    assert (
        should_mask_error(GraphQLError("boom", original_error=RuntimeError("db password=…")))
        is True
    )
    assert should_mask_error(GraphQLError("x", original_error=KeyError("x"))) is True
    assert should_mask_error(GraphQLError("bad", original_error=ValidationFailed("坏"))) is False
    assert should_mask_error(GraphQLError("Cannot query field 'x'")) is False
    assert (
        should_mask_error(
            GraphQLError(
                "x", original_error=ValueError("Argument 'first' cannot be higher than 100.")
            )
        )
        is False
    )
    assert (
        should_mask_error(GraphQLError("x", original_error=ValueError("invalid literal"))) is True
    )


@pytest.mark.django_db
def test_application_errors_reach_the_client_with_their_code(wanzhou_client: Client) -> None:
    body = gql(
        wanzhou_client, 'mutation { themeUpdate(data: {bannerText: "x"}) { errors { code } } }'
    )

    assert body["data"] is None
    assert body["errors"][0]["message"] == "请先登录"
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


@pytest.mark.django_db
def test_a_committed_persisted_query_runs_by_hash_over_get_and_is_cacheable(
    wanzhou_client: Client,
) -> None:
    extensions = json.dumps(
        {"persistedQuery": {"version": 1, "sha256Hash": document_hash(PROFILE)}}
    )

    response = wanzhou_client.get("/graphql/", {"extensions": extensions})

    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "district": {
                "slug": "wanzhou",
                "name": "万州区",
                "regionCode": "500101",
                "theme": {"platformName": "信用万州", "primaryColour": "#b3171d"},
            }
        }
    }
    assert response["Cache-Control"] == "public, max-age=30"


def apq(client: Client, query: str | None, document: str, **extra: Any) -> Any:
    """A persisted-query request: by hash alone (GET) or registering `query` with it (POST)."""
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(document)}}
    if query is None:
        return client.get("/graphql/", {"extensions": json.dumps(extensions)}, **extra).json()
    return client.post("/graphql/", data=json.dumps({"query": query, "extensions": extensions}),
                       content_type="application/json", **extra).json()  # fmt: skip


@pytest.fixture(autouse=True)
def _no_registered_documents() -> None:
    cache.clear()  # persisted queries registered by earlier tests


NOT_FOUND = {"errors": [{"message": "PersistedQueryNotFound",
                         "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}  # fmt: skip


@pytest.mark.django_db
def test_an_anonymous_callers_persisted_query_runs_but_is_not_stored(
    wanzhou_client: Client,
) -> None:
    query = "{ district { regionCode } }"

    unknown = apq(wanzhou_client, None, query)
    sent = apq(wanzhou_client, query, query)
    by_hash = apq(wanzhou_client, None, query)

    assert unknown == NOT_FOUND
    assert sent == {"data": {"district": {"regionCode": "500101"}}}
    assert by_hash == NOT_FOUND


@pytest.mark.django_db
def test_a_key_holder_registers_valid_documents_within_a_daily_quota(
    wanzhou_client: Client, settings: Any
) -> None:
    from core.catalog.models import Department
    from core.collection.push import department_key_issue

    settings.GRAPHQL_APQ_REGISTRATIONS_PER_DAY = 1
    with schema_context("wanzhou"):
        department = Department.objects.create(code=uscc(3, head="11500101"), name="税务局")
        admin = User.objects.get(email="admin@wanzhou.test")
        secret = department_key_issue(actor=admin, department=department, name="征管系统")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    first, second = "{ district { regionCode } }", "{ district { slug } }"
    invalid = "{ district { noSuchField } }"

    apq(wanzhou_client, invalid, invalid, **bearer)
    apq(wanzhou_client, first, first, **bearer)
    apq(wanzhou_client, second, second, **bearer)  # over today's quota: run, not stored

    assert apq(wanzhou_client, None, invalid) == NOT_FOUND  # invalid: never stored
    assert apq(wanzhou_client, None, first) == {"data": {"district": {"regionCode": "500101"}}}
    assert apq(wanzhou_client, None, second) == NOT_FOUND


@pytest.mark.django_db
def test_while_developing_anyone_registers_on_first_use(
    wanzhou_client: Client, settings: Any
) -> None:
    settings.DEBUG = True
    query = "{ district { name } }"

    apq(wanzhou_client, query, query)

    assert apq(wanzhou_client, None, query) == {"data": {"district": {"name": "万州区"}}}


@pytest.mark.django_db
def test_a_persisted_query_whose_text_does_not_match_its_hash_is_refused(
    wanzhou_client: Client,
) -> None:
    extensions = {
        "persistedQuery": {"version": 1, "sha256Hash": document_hash("{ district { name } }")}
    }

    response = wanzhou_client.post(
        "/graphql/",
        data=json.dumps({"query": "{ district { slug } }", "extensions": extensions}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_HASH_MISMATCH"}


@pytest.mark.django_db
def test_mutations_are_not_allowed_over_get(wanzhou_client: Client) -> None:
    response = wanzhou_client.get(
        "/graphql/", {"query": "mutation { themeUpdate(data: {}) { errors { code } } }"}
    )

    assert response.status_code == 400


@pytest.mark.django_db
def test_cookie_sessions_need_the_csrf_token_for_posts(wanzhou_admin: object) -> None:
    client = Client(HTTP_HOST="wanzhou.localhost", enforce_csrf_checks=True)
    with schema_context("wanzhou"):
        client.force_login(wanzhou_admin)  # type: ignore[arg-type]
    payload = json.dumps({"query": "{ viewer { email } }"})

    refused = client.post("/graphql/", data=payload, content_type="application/json")
    client.get("/console/")  # sets the csrftoken cookie, as the console page does for its scripts
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        "/graphql/", data=payload, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"] == {"code": "CSRF_FAILED"}
    assert allowed.json() == {"data": {"viewer": {"email": "admin@wanzhou.test"}}}
    assert allowed["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_anonymous_api_clients_need_no_csrf_token() -> None:
    client = Client(HTTP_HOST="wanzhou.localhost", enforce_csrf_checks=True)

    body = gql(client, "{ viewer { email } district { name } }")

    assert body == {"data": {"viewer": None, "district": {"name": "万州区"}}, "_status": 200}


def test_persisted_documents_are_committed_files() -> None:
    assert sorted(p.name for p in Path(PERSISTED_DIR).glob("**/*.graphql")) == [
        "DistrictProfile.graphql"
    ]
