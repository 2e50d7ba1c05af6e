"""The settings modules are split by integration; every setting they define must reach Django."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import schema_context

from core.config.settings import (
    database,
    exchange,
    integrations,
    login_limits,
    ops,
    tenants,
    upstream,
)


@pytest.mark.parametrize(
    "module",
    [database, exchange, integrations, login_limits, ops, tenants, upstream],
    ids=lambda m: m.__name__,
)
def test_every_setting_defined_in_a_settings_module_is_in_effect(module: object) -> None:
    defined = {name: value for name, value in vars(module).items() if name.isupper()}

    missing = [name for name in defined if not hasattr(settings, name)]

    # The test runner replaces these two on purpose (test database name, in-memory e-mail).
    replaced_by_tests = {"DATABASES", "EMAIL_BACKEND"}
    differing = [
        name
        for name, value in defined.items()
        if name not in replaced_by_tests and getattr(settings, name, value) != value
    ]
    assert missing == []
    assert differing == []


@pytest.mark.django_db
def test_cache_keys_carry_the_schema_in_the_real_configuration() -> None:
    with schema_context("wanzhou"):
        wanzhou_key = cache.make_key("same")
    with schema_context("kaizhou"):
        kaizhou_key = cache.make_key("same")

    assert wanzhou_key.startswith("wanzhou:")
    assert kaizhou_key.startswith("kaizhou:")


def test_a_link_signed_with_the_previous_key_still_opens_during_a_rotation(settings: Any) -> None:
    from core.storage.signing import FileLink, read_signed_token, signed_path

    old, new = "old-signing-key-" + "x" * 40, "new-signing-key-" + "y" * 40
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old, []
    token = signed_path(schema="wanzhou", name="reports/r1.pdf").rstrip("/").rsplit("/", 1)[-1]
    settings.SECRET_KEY = new
    refused = read_signed_token(token)
    settings.SECRET_KEY_FALLBACKS = [old]

    assert refused is None
    assert read_signed_token(token) == FileLink(schema="wanzhou", name="reports/r1.pdf")
