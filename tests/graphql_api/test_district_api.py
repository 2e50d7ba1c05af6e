from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.content.models import Theme
from tests.conftest import client_for, gql, make_staff

THEME_UPDATE = """
mutation($data: ThemeUpdateInput!) {
  themeUpdate(data: $data) { theme { platformName primaryColour icpNumber } errors { code field message } }
}
"""


def logged_in(user: User, host: str = "wanzhou.localhost") -> Client:
    client = client_for(host)
    with schema_context(host.split(".")[0]):
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_district_profile_comes_from_the_district_of_the_domain() -> None:
    query = "{ district { slug name regionCode status catalogueItemCount theme { platformName } } }"

    wanzhou = gql(client_for("wanzhou.localhost"), query)["data"]["district"]
    kaizhou = gql(client_for("kaizhou.localhost"), query)["data"]["district"]

    assert wanzhou == {
        "slug": "wanzhou",
        "name": "万州区",
        "regionCode": "500101",
        "status": "active",
        "catalogueItemCount": 29,
        "theme": {"platformName": "信用万州"},
    }
    assert kaizhou["slug"] == "kaizhou"
    assert kaizhou["theme"] == {"platformName": "信用开州"}


@pytest.mark.django_db
def test_a_district_admin_changes_the_theme(wanzhou_admin: User) -> None:
    data = {"primaryColour": "#1d4ed8", "icpNumber": "渝ICP备2026000001号"}

    body = gql(logged_in(wanzhou_admin), THEME_UPDATE, {"data": data})

    assert body["data"]["themeUpdate"] == {
        "theme": {
            "platformName": "信用万州",
            "primaryColour": "#1d4ed8",
            "icpNumber": "渝ICP备2026000001号",
        },
        "errors": [],
    }
    with schema_context("wanzhou"):
        assert Theme.objects.get().primary_colour == "#1d4ed8"
    with schema_context("kaizhou"):
        assert Theme.objects.get().primary_colour == "#b3171d"
    assert "--primary: #1d4ed8" in client_for("wanzhou.localhost").get("/").content.decode()


@pytest.mark.django_db
def test_a_bad_colour_is_refused_and_nothing_changes(wanzhou_admin: User) -> None:
    body = gql(
        logged_in(wanzhou_admin), THEME_UPDATE, {"data": {"primaryColour": "red", "icpNumber": "X"}}
    )

    assert body["data"]["themeUpdate"] == {
        "theme": None,
        "errors": [
            {"code": "INVALID", "field": "primary_colour", "message": "主色：颜色应为 #RRGGBB 形式"}
        ],
    }
    with schema_context("wanzhou"):
        assert Theme.objects.get().icp_number == ""


@pytest.mark.django_db
def test_only_district_admins_change_the_theme(wanzhou: object) -> None:
    clerk = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)

    body = gql(logged_in(clerk), THEME_UPDATE, {"data": {"bannerText": "x"}})

    assert body["data"]["themeUpdate"] == {
        "theme": None,
        "errors": [
            {"code": "FORBIDDEN", "field": None, "message": "只有区县管理员可以修改门户主题"}
        ],
    }


@pytest.mark.django_db
def test_viewer_is_the_signed_in_staff_member(wanzhou_admin: User) -> None:
    body = gql(logged_in(wanzhou_admin), "{ viewer { email fullName role isOperator } }")

    assert body["data"]["viewer"] == {
        "email": "admin@wanzhou.test",
        "fullName": "万州管理员",
        "role": "district_admin",
        "isOperator": False,
    }
