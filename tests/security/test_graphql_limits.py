"""Findings 3 and 6: what anonymous callers can make the server keep, and what shared caches may
keep of an answer. Against the production-like server."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from typing import Any

from tests.security.conftest import Answer, Browser, ProductionServer

DISTRICT = "{ district { name } }"


def apq(visitor: Browser, document: str, *, send: bool, **headers: str) -> Answer:
    extensions = {"persistedQuery": {"version": 1,
                                     "sha256Hash": hashlib.sha256(document.encode()).hexdigest()}}  # fmt: skip
    if not send:
        query = urllib.parse.urlencode({"extensions": json.dumps(extensions)})
        return visitor.get(f"/graphql/?{query}", headers=headers)
    body: dict[str, Any] = {"query": document, "extensions": extensions}
    return visitor.post("/graphql/", data=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json", **headers})  # fmt: skip


def test_a_two_megabyte_document_is_refused_before_it_is_parsed_or_stored(
    production: ProductionServer, flush_limits: None
) -> None:
    visitor = production.visitor("wanzhou.localhost")
    padded = DISTRICT + "\n" + "# padding\n" * 200_000  # 2 MB: one short query, comments

    sent = apq(visitor, padded, send=True)
    by_hash = apq(visitor, padded, send=False)

    assert sent.status == 413
    assert sent.json()["errors"][0] == {
        "message": f"查询文档过长：{len(padded)}个字符，上限为20000个",
        "extensions": {"code": "DOCUMENT_TOO_LARGE"},
    }
    assert by_hash.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}


def test_comments_count_toward_the_token_limit(
    production: ProductionServer, flush_limits: None
) -> None:
    visitor = production.visitor("wanzhou.localhost")
    commented = DISTRICT + "\n" + "#\n" * 2500

    answer = visitor.graphql(commented)

    assert (answer.status, answer.json()["errors"][0]["message"]) == (
        413, "查询文档的词法单元过多（含注释）：2506个，上限为2000个")  # fmt: skip


def test_anonymous_callers_register_no_documents_in_production(
    production: ProductionServer, flush_limits: None
) -> None:
    visitor = production.visitor("wanzhou.localhost")
    valid, invalid = "{ district { slug } }", "{ district { noSuchField } }"

    answers = [apq(visitor, doc, send=True) for doc in (valid, invalid)]
    later = [apq(visitor, doc, send=False) for doc in (valid, invalid)]

    assert answers[0].json() == {"data": {"district": {"slug": "wanzhou"}}}
    assert "errors" in answers[1].json()
    for answer in later:
        assert answer.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}


def test_answers_to_calls_with_credentials_are_never_publicly_cacheable(
    production: ProductionServer, flush_limits: None
) -> None:
    visitor = production.visitor("wanzhou.localhost")
    query = "/graphql/?" + urllib.parse.urlencode({"query": DISTRICT})

    anonymous = visitor.get(query)
    keyed = visitor.get(query, headers={"Authorization": "Bearer ck_live_not_a_real_key"})
    with_session = visitor.get(query, headers={"Cookie": "sessionid=whatever"})

    assert anonymous.headers["Cache-Control"] == "public, max-age=30"
    assert keyed.headers["Cache-Control"] == "private, no-store"
    assert with_session.headers["Cache-Control"] == "private, no-store"
