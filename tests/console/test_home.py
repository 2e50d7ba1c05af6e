from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.accounts.services import login_link_issue
from tests.conftest import client_for


@pytest.fixture
def link(wanzhou_admin: User) -> str:
    with schema_context("wanzhou"):
        return login_link_issue(user=wanzhou_admin)


@pytest.fixture
def client(wanzhou: object) -> Client:
    return client_for("wanzhou.localhost")


@pytest.mark.django_db
def test_mismatched_passwords_are_refused_and_the_link_stays_valid(
    client: Client, link: str
) -> None:
    url = f"/console/first-login/{link}/"

    response = client.post(url, {"password1": "Wanzhou-Credit-1", "password2": "Wanzhou-Credit-2"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["两次输入的密码不一致"]
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_weak_passwords_are_refused_with_the_reason(client: Client, link: str) -> None:
    response = client.post(
        f"/console/first-login/{link}/", {"password1": "12345678901", "password2": "12345678901"}
    )

    assert response.context["form"].errors["password1"] == ["这个密码太常见了。；密码只包含数字。"]


@pytest.mark.django_db
def test_a_good_password_signs_in_and_uses_up_the_link(client: Client, link: str) -> None:
    url = f"/console/first-login/{link}/"

    response = client.post(
        url, {"password1": "Wanzhou-Credit-2026", "password2": "Wanzhou-Credit-2026"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    assert client.get(url).status_code == 404
    with schema_context("wanzhou"):
        assert User.objects.get(email="admin@wanzhou.test").check_password("Wanzhou-Credit-2026")


@pytest.mark.django_db
def test_a_forged_link_is_refused(client: Client) -> None:
    response = client.get("/console/first-login/forged-token/")

    assert response.status_code == 404
    assert "登录链接无效、已使用或已过期" in response.content.decode()


@pytest.mark.django_db
def test_the_console_needs_a_login(client: Client) -> None:
    response = client.get("/console/")

    assert response.status_code == 302
    assert response["Location"] == "/console/login/?next=/console/"
