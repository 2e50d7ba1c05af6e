from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.collection.push import department_key_issue
from core.common.errors import PermissionDenied
from core.records.models import Record
from tests.conftest import client_for, gql, make_staff
from tests.core.collection.files import DEPARTMENT_CODE, penalty, uscc

TODAY = date(2026, 11, 27)
PUSH = """
mutation($data: RecordsPushInput!) {
  recordsPush(data: $data) {
    stored updated duplicate rejected replayed
    results { index outcome recordId problems { field message } derived }
    errors { code message field unknownFields }
  }
}
"""
SUBJECT = "query($code: String!) { subject(code: $code) { name kindLabel code records { docNumber stateLabel publicityEnd fineWan } } }"


def push(
    key: str, records: list[dict[str, str]], idempotency_key: str = "push-1"
) -> dict[str, Any]:
    """The push's answer (without `derived` and `unknownFields` where they are empty, so the
    tests written before them read as they did)."""
    client = client_for("wanzhou.localhost")
    data = {"idempotencyKey": idempotency_key, "kind": "PENALTY", "records": records}
    body = gql(client, PUSH, {"data": data}, HTTP_AUTHORIZATION=f"Bearer {key}")
    result: dict[str, Any] = body["data"]["recordsPush"]
    for item in result["results"]:
        if not item["derived"]:
            del item["derived"]
    for error in result["errors"]:
        if not error["unknownFields"]:
            del error["unknownFields"]
    return result


def test_a_department_system_pushes_records_with_the_upload_validation(key: str) -> None:
    result = push(key, [penalty(1), {f"CF_{k}": v for k, v in penalty(2, NR_FK="abc").items()}])

    assert (result["stored"], result["rejected"], result["replayed"], result["errors"]) == (
        1,
        1,
        False,
        [],
    )
    assert result["results"][0]["outcome"] == "stored"
    assert result["results"][1] == {
        "index": 1,
        "outcome": "rejected",
        "recordId": None,
        "problems": [{"field": "CF_NR_FK", "message": "金额应为以万元计的数字，如2000元填0.2"}],
    }
    assert Record.objects.get().created_by.startswith(f"api:{DEPARTMENT_CODE}:dk_")


def test_a_retry_with_the_same_key_stores_nothing_more(key: str) -> None:
    first = push(key, [penalty(1)])
    again = push(key, [penalty(1)])
    reused = push(key, [penalty(2)])

    assert (first["stored"], first["replayed"]) == (1, False)
    assert (again["stored"], again["replayed"]) == (1, True)
    assert again["results"] == first["results"]
    assert reused["errors"] == [
        {
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "该 idempotencyKey 已用于另一批记录",
            "field": "idempotencyKey",
        }
    ]
    assert Record.objects.count() == 1


def test_a_push_with_a_key_no_field_matches_stores_nothing_and_names_it(key: str) -> None:
    record = {**penalty(1), "经办人": "赵六", "CF_LXDH": "023-1234"}

    result = push(key, [penalty(2), record])

    assert (result["stored"], result["results"]) == (0, [])
    assert result["errors"] == [
        {
            "code": "UNKNOWN_FIELDS",
            "message": "未识别的字段：CF_LXDH（第1条）、经办人（第1条）。"
            "请使用国家标准的字段代码或中文名称；本次推送未存储任何记录",
            "field": "records",
            "unknownFields": ["CF_LXDH", "经办人"],
        }
    ]
    assert Record.objects.count() == 0


def test_a_push_naming_one_field_twice_stores_nothing(key: str) -> None:
    result = push(key, [{**penalty(1), "行政处罚决定书文号": "万州市监罚〔2026〕9号"}])

    assert [(e["code"], e["message"]) for e in result["errors"]] == [
        ("INVALID", "同一字段出现了两次：WSH与行政处罚决定书文号。本次推送未存储任何记录")
    ]
    assert Record.objects.count() == 0


def test_pushed_labels_and_2016_codes_are_read_and_what_is_missing_derived(key: str) -> None:
    row = {k: v for k, v in penalty(1).items() if k not in ("XDR_LB", "SJLY", "SJLYDM", "WSH")}
    labelled = {"行政处罚决定书文号": "万州市监罚〔2026〕9号", "CF_XDR_MC": row.pop("XDR_MC")}

    result = push(key, [{**row, **labelled}])

    assert result["errors"] == []
    assert result["results"][0]["outcome"] == "stored", result
    assert result["results"][0]["derived"] == ["SJLY", "SJLYDM", "XDR_LB"]
    record = Record.objects.get()
    assert (record.doc_number, record.fields["CF_XDR_LB"]) == (
        "万州市监罚〔2026〕9号",
        "法人及非法人组织",
    )
    assert record.derived_fields == {
        "CF_SJLY": "取上传部门名称",
        "CF_SJLYDM": "取上传部门的统一社会信用代码",
        "CF_XDR_LB": "由统一社会信用代码或身份证号码推定",
    }


def test_pushing_needs_a_valid_key(department: Department) -> None:
    client = client_for("wanzhou.localhost")
    data = {"idempotencyKey": "k", "kind": "PENALTY", "records": [penalty(1)]}

    body = gql(client, PUSH, {"data": data}, HTTP_AUTHORIZATION="Bearer dk_forged")

    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert body["errors"][0]["message"] == "需要有效的部门接口密钥（Authorization: Bearer dk_…）"


def test_a_key_from_one_district_means_nothing_in_another(key: str) -> None:
    data = {"idempotencyKey": "k", "kind": "PENALTY", "records": [penalty(1)]}

    body = gql(
        client_for("kaizhou.localhost"), PUSH, {"data": data}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


def test_only_district_admins_issue_keys(department: Department) -> None:
    clerk = make_staff("wanzhou", "c@wanzhou.test", StaffRole.DATA_CLERK)
    with schema_context("wanzhou"), pytest.raises(PermissionDenied):
        department_key_issue(actor=clerk, department=department, name="x")


def test_the_public_sees_publishable_records_and_staff_see_all(
    key: str, wanzhou_admin: Any
) -> None:
    same_company = {"XDR_SHXYM": uscc(1), "XDR_MC": "重庆市万州区第1建设有限公司"}
    push(key, [penalty(1), penalty(2, WSH="万州市监罚〔2026〕2号", **same_company)])
    with schema_context("wanzhou"):
        Record.objects.filter(doc_number="万州市监罚〔2026〕2号").update(
            withdrawn_at=timezone.now()
        )
    staff = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        staff.force_login(wanzhou_admin)

    public = gql(client_for("wanzhou.localhost"), SUBJECT, {"code": uscc(1)})["data"]["subject"]
    internal = gql(staff, SUBJECT, {"code": uscc(1)})["data"]["subject"]

    assert public == {
        "name": "重庆市万州区第1建设有限公司",
        "kindLabel": "法人及非法人组织",
        "code": uscc(1),
        "records": [
            {
                "docNumber": "万州市监罚〔2026〕1号",
                "stateLabel": "公示中",
                "publicityEnd": "2027-11-20",
                "fineWan": "0.200000",
            }
        ],
    }
    assert [r["stateLabel"] for r in internal["records"]] == [
        "已撤回",
        "公示中",
    ]  # same date: newest entry first


def test_items_not_socially_public_stay_off_the_public_api(
    key: str, django_capture_on_commit_callbacks: Any
) -> None:
    from core.catalog.models import CatalogItem
    from core.common.versioning import data_changed

    push(key, [penalty(1)])
    with schema_context("wanzhou"), django_capture_on_commit_callbacks(execute=True):
        CatalogItem.objects.filter(code="N03-02").update(disclosure="authorised")
        data_changed()  # as a catalogue change does: cached public answers are not reused

    public = gql(client_for("wanzhou.localhost"), SUBJECT, {"code": uscc(1)})["data"]["subject"]

    assert public["records"] == []


def test_people_are_invisible_to_the_public_and_found_by_staff(
    key: str, wanzhou_admin: Any
) -> None:
    push(
        key,
        [penalty(1, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")],
    )
    staff: Client = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        staff.force_login(wanzhou_admin)

    public = gql(client_for("wanzhou.localhost"), SUBJECT, {"code": "11010519491231002X"})
    internal = gql(staff, SUBJECT, {"code": "11010519491231002x"})

    assert public["data"]["subject"] is None
    assert internal["data"]["subject"]["code"] == "1101**********002X"
    assert internal["data"]["subject"]["name"] == "李四"
