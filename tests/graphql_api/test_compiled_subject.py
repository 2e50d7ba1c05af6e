"""The public's subject(code:) answered by one SQL statement (graphql_api/records/compiled.py) gives
exactly strawberry's answer, keys in the same order; documents outside the plan, and staff, are
executed by strawberry as before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context

from core.records.models import Record
from graphql_api.context import GraphQLContext
from graphql_api.district.schema import schema
from graphql_api.records.compiled import plan_for
from tenants.models import District
from tests.conftest import client_for
from tests.core.collection.files import penalty, uscc
from tests.graphql_api.test_records_api import push

ALL = (
    "query($code: String!) { subject(code: $code) { name kind kindLabel code records { id kind kindLabel "
    "docNumber decisionDate title authorityName state stateLabel publicityStart publicityEnd repairFrom "
    "fineWan } } }"
)
COMPILED = [
    ALL,
    # aliases, a subset, the records twice with different fields, fields in another order
    "query Q($c: String!) { company: subject(code: $c) { records { fineWan docNumber } n: name "
    "latest: records { when: decisionDate label: stateLabel } code } }",
    # the code written in the document; a second operation chosen by name
    f'query A {{ subject(code: "{uscc(1)}") {{ name }} }} query B($code: String!) {{ subject(code: $code) {{ code }} }}',
    f'{{ subject(code: "{uscc(1).lower()}") {{ kindLabel records {{ title }} }} }}',
]
NOT_COMPILED = [
    "query($code: String!) { subject(code: $code) { ...S } } fragment S on Subject { name }",
    "query($code: String!) { subject(code: $code) { __typename name } }",
    "query($code: String!, $all: Boolean!) { subject(code: $code) { name records @include(if: $all) { title } } }",
    "query($code: String!) { subject(code: $code) { name } catalogueItems { code } }",
    "query($code: String!) { subject(code: $code) { name nickname } }",  # invalid: strawberry's error
    "query($code: String!) { subject(code: $code) { name name } }",  # merged by GraphQL
]


@pytest.fixture
def company(key: str) -> str:
    """A company with penalties: fined and not, two dates, one withdrawn (hidden from the public)."""
    same = {"XDR_SHXYM": uscc(1), "XDR_MC": "重庆市万州区第1建设有限公司"}
    push(key, [penalty(1), penalty(2, WSH="万州市监罚〔2026〕2号", JDRQ="2026-10-09", NR_FK="", CFLB="警告", **same),
               penalty(3, WSH="万州市监罚〔2026〕3号", JDRQ="2026-09-01", NR_FK="1.5", **same)])  # fmt: skip
    with schema_context("wanzhou"):
        Record.objects.filter(doc_number="万州市监罚〔2026〕3号").update(
            withdrawn_at=timezone.now()
        )
    return uscc(1)


def over_http(
    query: str, variables: dict[str, Any], operation: str | None = None
) -> dict[str, Any]:
    body = {"query": query, "variables": variables} | (
        {"operationName": operation} if operation else {}
    )
    response = client_for("wanzhou.localhost").post(
        "/graphql/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    answer: dict[str, Any] = json.loads(response.content)
    return answer


def by_strawberry(
    query: str, variables: dict[str, Any], operation: str | None = None
) -> dict[str, Any]:
    request = RequestFactory().post("/graphql/", HTTP_HOST="wanzhou.localhost")
    context = GraphQLContext(request=request, response=HttpResponse(),
                             district=District.objects.get(schema_name="wanzhou"), user=None)  # fmt: skip
    with schema_context("wanzhou"):
        result = schema.execute_sync(query, variable_values=variables, context_value=context,
                                     operation_name=operation)  # fmt: skip
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [error.message for error in result.errors]
    return answer


def keys_in_order(value: Any) -> Any:
    """The answer with each object's keys listed, so equality also compares their order."""
    if isinstance(value, dict):
        return [(k, keys_in_order(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [keys_in_order(v) for v in value]
    return value


@pytest.mark.parametrize("query", COMPILED)
def test_a_compiled_document_answers_exactly_as_strawberry(company: str, query: str) -> None:
    operation = "B" if "query B" in query else None
    variables = {"code": company, "c": company}

    compiled = over_http(query, variables, operation)
    executed = by_strawberry(query, variables, operation)

    assert plan_for(schema._schema, query, operation) is not None
    assert keys_in_order(compiled) == keys_in_order(executed)
    assert "errors" not in compiled


def test_the_full_answer_is_the_public_view(company: str) -> None:
    subject = over_http(ALL, {"code": company})["data"]["subject"]

    # The warning is not published (不予公示) and the withdrawn penalty no longer is: the public
    # sees the fine only.
    assert [(r["docNumber"], r["stateLabel"], r["fineWan"]) for r in subject["records"]] == [
        ("万州市监罚〔2026〕1号", "公示中", "0.200000")
    ]
    assert subject["kindLabel"] == "法人及非法人组织"
    assert subject["records"][0]["kindLabel"] == "行政处罚"


@pytest.mark.parametrize("query", NOT_COMPILED)
def test_other_documents_are_executed_by_strawberry(company: str, query: str) -> None:
    variables = {"code": company, "all": True}

    answer = over_http(query, variables)

    assert plan_for(schema._schema, query, None) is None
    if "errors" in answer:
        assert [e["message"] for e in answer["errors"]] == by_strawberry(query, variables)["errors"]
    else:
        assert keys_in_order(answer) == keys_in_order(by_strawberry(query, variables))


def test_unknown_codes_people_and_missing_variables(company: str, key: str) -> None:
    push(
        key,
        [penalty(9, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")],
    )

    assert over_http(ALL, {"code": uscc(77)}) == {"data": {"subject": None}}
    assert over_http(ALL, {"code": "11010519491231002X"}) == {"data": {"subject": None}}
    missing = over_http(ALL, {})
    assert missing["data"] is None
    assert [e["message"] for e in missing["errors"]] == by_strawberry(ALL, {})["errors"]
    assert "$code" in missing["errors"][0]["message"]


def test_staff_are_answered_by_strawberry_and_see_more(company: str, wanzhou_admin: Any) -> None:
    staff = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        staff.force_login(wanzhou_admin)

    answer = staff.post("/graphql/", json.dumps({"query": ALL, "variables": {"code": company}}),
                        content_type="application/json").json()  # fmt: skip

    assert [r["stateLabel"] for r in answer["data"]["subject"]["records"]] == [
        "公示中",
        "不予公示",
        "已撤回",
    ]


def test_the_prepared_statement_answers_from_the_district_asked(company: str, key: str) -> None:
    """One connection, one prepared statement, two districts in turn: each answer comes from the
    schema the request's host names (PostgreSQL plans it again when the search path changes)."""
    from core.catalog.models import CatalogItem, CatalogSupply, Department
    from tests.core.collection.conftest import upload
    from tests.core.collection.files import DEPARTMENT_CODE, as_csv

    with schema_context("kaizhou"):
        department = Department.objects.create(
            code=DEPARTMENT_CODE, name="重庆市开州区市场监督管理局"
        )
        CatalogSupply.objects.create(
            item=CatalogItem.objects.get(code="N03-02"), department=department
        )
        upload(department, as_csv([penalty(1, XDR_MC="重庆市开州区同码测试有限公司")]))
    query = "query($code: String!) { subject(code: $code) { name records { docNumber } } }"
    body = json.dumps({"query": query, "variables": {"code": company}})

    answers = [
        client_for(host)
        .post("/graphql/", body, content_type="application/json")
        .json()["data"]["subject"]["name"]
        for host in (
            "wanzhou.localhost",
            "kaizhou.localhost",
            "wanzhou.localhost",
            "kaizhou.localhost",
        )
    ]

    assert answers == ["重庆市万州区第1建设有限公司", "重庆市开州区同码测试有限公司"] * 2
