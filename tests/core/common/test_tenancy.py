from __future__ import annotations

from typing import Any

from django_tenants.utils import schema_context

from core.common.tenancy import current_schema, on_commit_here


def test_a_commit_callback_runs_in_the_schema_it_was_registered_in(
    wanzhou: object, kaizhou: object, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):
        with schema_context("wanzhou"):
            on_commit_here(lambda: seen.append(current_schema()))
        with schema_context("kaizhou"):
            on_commit_here(lambda: seen.append(current_schema()))

    assert seen == ["wanzhou", "kaizhou"]
    assert current_schema() == "public"
