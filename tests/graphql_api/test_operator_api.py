from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.models import User
from tenants.enums import DistrictStatus
from tenants.models import District
from tests.conftest import OPERATOR_HOST, client_for, gql

ONBOARD = """
mutation($data: DistrictOnboardInput!) {
  districtOnboard(data: $data) {
    created
    loginUrl
    district { slug name platformName regionCode status domains staffCount catalogueItemCount }
    errors { code field message }
  }
}
"""
FENGJIE = {
    "slug": "fengjie",
    "name": "奉节县",
    "platformName": "信用奉节",
    "regionCode": "500236",
    "domain": "fengjie.localhost",
    "adminEmail": "admin@fengjie.example",
}
SUSPEND = """
mutation($slug: String!) {
  districtSuspend(data: {slug: $slug, reason: "欠费"}) { district { slug status statusReason } errors { code message } }
}
"""
DISTRICTS = "{ districts(first: 10) { edges { node { slug platformName status domains staffCount catalogueItemCount } } } }"


@pytest.mark.django_db
def test_operator_onboards_a_district_over_graphql(operator_client: Client) -> None:
    # When
    body = gql(operator_client, ONBOARD, {"data": FENGJIE})

    # Then
    payload = body["data"]["districtOnboard"]
    assert payload["errors"] == []
    assert payload["created"] is True
    assert payload["district"] == {
        "slug": "fengjie",
        "name": "奉节县",
        "platformName": "信用奉节",
        "regionCode": "500236",
        "status": "ACTIVE",
        "domains": ["fengjie.localhost"],
        "staffCount": 1,
        "catalogueItemCount": 29,
    }
    assert payload["loginUrl"].startswith("http://fengjie.localhost/console/first-login/")
    assert client_for("fengjie.localhost").get("/").status_code == 200


@pytest.mark.django_db
def test_onboarding_errors_come_back_in_the_payload(operator_client: Client) -> None:
    body = gql(operator_client, ONBOARD, {"data": {**FENGJIE, "domain": "wanzhou.localhost"}})

    assert body["data"]["districtOnboard"] == {
        "created": False,
        "loginUrl": None,
        "district": None,
        "errors": [
            {
                "code": "DOMAIN_TAKEN",
                "field": "domain",
                "message": "域名“wanzhou.localhost”已被其他平台使用",
            }
        ],
    }


@pytest.mark.django_db
def test_operator_lists_districts_with_counts(operator_client: Client) -> None:
    body = gql(operator_client, DISTRICTS)

    assert [e["node"] for e in body["data"]["districts"]["edges"]] == [
        {
            "slug": "wanzhou",
            "platformName": "信用万州",
            "status": "ACTIVE",
            "domains": ["wanzhou.localhost"],
            "staffCount": 1,
            "catalogueItemCount": 29,
        },
        {
            "slug": "kaizhou",
            "platformName": "信用开州",
            "status": "ACTIVE",
            "domains": ["kaizhou.localhost"],
            "staffCount": 1,
            "catalogueItemCount": 29,
        },
    ]


@pytest.mark.django_db
def test_lifecycle_mutations_change_status_and_explain_refusals(operator_client: Client) -> None:
    suspended = gql(operator_client, SUSPEND, {"slug": "wanzhou"})["data"]["districtSuspend"]
    again = gql(operator_client, SUSPEND, {"slug": "wanzhou"})["data"]["districtSuspend"]
    missing = gql(operator_client, SUSPEND, {"slug": "nowhere"})["data"]["districtSuspend"]

    assert suspended == {
        "district": {"slug": "wanzhou", "status": "SUSPENDED", "statusReason": "欠费"},
        "errors": [],
    }
    assert again == {
        "district": None,
        "errors": [{"code": "INVALID_TRANSITION", "message": "万州区当前状态为“已暂停”，不能暂停"}],
    }
    assert missing == {
        "district": None,
        "errors": [{"code": "NOT_FOUND", "message": "没有标识为“nowhere”的区县"}],
    }
    assert District.objects.get(schema_name="wanzhou").status == DistrictStatus.SUSPENDED


@pytest.mark.django_db
def test_audit_entries_record_the_operator(operator_client: Client, operator_user: User) -> None:
    gql(operator_client, SUSPEND, {"slug": "kaizhou"})

    body = gql(
        operator_client,
        '{ auditEntries(districtSlug: "kaizhou", first: 1) { totalCount edges { node { actor action details } } } }',
    )

    entries = body["data"]["auditEntries"]
    assert entries["edges"] == [
        {
            "node": {
                "actor": "ops@operator.test",
                "action": "district.suspend",
                "details": {"from": "active", "to": "suspended", "reason": "欠费"},
            }
        }
    ]
    assert entries["totalCount"] == 2  # onboarding and the suspension


@pytest.mark.django_db
def test_anonymous_and_non_staff_users_are_refused(db: None) -> None:
    anonymous = gql(client_for(OPERATOR_HOST), DISTRICTS)
    with schema_context("public"):
        clerk = User.objects.create_user("clerk@operator.test", "Clerk-Pass-2026")
    plain = client_for(OPERATOR_HOST)
    plain.force_login(clerk)
    not_staff = gql(plain, DISTRICTS)

    assert anonymous["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert not_staff["errors"][0]["message"] == "需要运营方职员权限"
    assert not_staff["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


@pytest.mark.django_db
def test_the_operator_schema_is_not_served_on_district_domains(operator_user: User) -> None:
    body = gql(client_for("wanzhou.localhost"), DISTRICTS)

    assert (
        body["errors"][0]["message"]
        == "Cannot query field 'districts' on type 'Query'. Did you mean 'district'?"
    )
