from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from core.content.models import Theme
from core.records.models import Record
from tests.conftest import client_for, gql
from tests.core.collection.files import penalty, uscc
from tests.graphql_api.test_records_api import SUBJECT, push

PROFILE = "{ district { slug theme { platformName } } }"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.mark.django_db
def test_districts_never_share_cached_answers() -> None:
    wanzhou = gql(client_for("wanzhou.localhost"), PROFILE)
    kaizhou = gql(client_for("kaizhou.localhost"), PROFILE)

    assert wanzhou["data"]["district"]["slug"] == "wanzhou"
    assert kaizhou["data"]["district"]["slug"] == "kaizhou"


@pytest.mark.django_db
def test_a_repeated_anonymous_query_is_answered_from_the_cache() -> None:
    first = gql(client_for("wanzhou.localhost"), PROFILE)
    with schema_context("wanzhou"):
        Theme.objects.update(platform_name="改名但未经服务")  # bypasses every service on purpose

    again = gql(client_for("wanzhou.localhost"), PROFILE)

    assert again == first


def test_a_record_write_invalidates_cached_answers(
    key: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        push(
            key, [{"WSH": "x"}], idempotency_key="bad"
        )  # rejected: nothing written, nothing bumped
    before = gql(client_for("wanzhou.localhost"), SUBJECT, {"code": uscc(1)})

    with django_capture_on_commit_callbacks(execute=True):
        push(key, [penalty(1)])
    after = gql(client_for("wanzhou.localhost"), SUBJECT, {"code": uscc(1)})

    assert before["data"]["subject"] is None
    assert after["data"]["subject"]["code"] == uscc(1)
    assert Record.objects.count() == 1


@pytest.mark.django_db
def test_signed_in_staff_are_never_served_from_the_cache(wanzhou_admin: Any) -> None:
    gql(client_for("wanzhou.localhost"), PROFILE)
    with schema_context("wanzhou"):
        Theme.objects.update(platform_name="新名称")
    staff = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        staff.force_login(wanzhou_admin)

    assert gql(staff, PROFILE)["data"]["district"]["theme"]["platformName"] == "新名称"


@pytest.mark.django_db
def test_a_theme_change_invalidates_cached_answers(
    wanzhou_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from core.content.services import ThemeChanges, theme_update

    gql(client_for("wanzhou.localhost"), PROFILE)
    with schema_context("wanzhou"), django_capture_on_commit_callbacks(execute=True):
        theme_update(actor=wanzhou_admin, changes=ThemeChanges(platform_name="信用万州区"))

    after = gql(client_for("wanzhou.localhost"), PROFILE)

    assert after["data"]["district"]["theme"]["platformName"] == "信用万州区"
