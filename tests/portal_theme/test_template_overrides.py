"""A district may override an individual template; other districts keep the shared one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.template import engines

from tests.conftest import client_for


def _reset_template_caches() -> None:
    for loader in engines["django"].engine.template_loaders:  # type: ignore[attr-defined]
        if hasattr(loader, "reset"):
            loader.reset()
        for inner in [loader, *getattr(loader, "loaders", [])]:
            if hasattr(inner, "_dirs"):
                inner._dirs.clear()


@pytest.fixture
def kaizhou_override(
    settings: Any, tmp_path: Path, wanzhou: object, kaizhou: object
) -> Iterator[None]:
    page = tmp_path / "kaizhou" / "portal_theme" / "portal" / "achievements.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '{% extends "portal_theme/portal/base.html" %}'
        '{% block content %}<h1 data-testid="override">开州区成果展示（本区定制页面）</h1>{% endblock %}',
        encoding="utf-8",
    )
    settings.MULTITENANT_TEMPLATE_DIRS = [f"{tmp_path}/%s"]
    _reset_template_caches()
    yield
    _reset_template_caches()


def test_one_district_overrides_a_page_and_the_other_keeps_the_shared_one(
    kaizhou_override: None,
) -> None:
    kaizhou = client_for("kaizhou.localhost").get("/achievements/").content.decode()
    wanzhou = client_for("wanzhou.localhost").get("/achievements/").content.decode()

    assert "开州区成果展示（本区定制页面）" in kaizhou
    assert "信用开州" in kaizhou  # still the district's theme around it
    assert "本区定制页面" not in wanzhou
    assert 'data-testid="achievements-total"' in wanzhou
