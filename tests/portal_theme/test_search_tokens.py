"""Search queries kept out of URLs: what counts as a number, and how long and for whom a token
holds its query (the same over HTTP on the production server: tests/security/test_search_urls.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from portal_theme.search_tokens import SEARCH_TOKEN_SECONDS, looks_like_number
from tenants.models import District
from tests.conftest import client_for, make_staff
from tests.core.collection.files import uscc
from tests.support.clock import Clock

ID_NUMBER = "11010519491231002X"


@pytest.mark.parametrize(
    ("query", "number"),
    [
        (ID_NUMBER, True),
        (ID_NUMBER.lower(), True),
        ("110105 19491231 002X", True),  # spaced
        ("１１０１０５１９４９１２３１００２Ｘ", True),  # full-width
        ("110105194912310", True),  # an old 15-digit number
        ("500101199003", True),  # a part of one
        (uscc(1), True),
        ("91500101MA5U7XHQ3C", True),
        ("万州 建设", False),
        ("重庆市万州区第1建设有限公司", False),
        ("基准12345", False),
        ("", False),
    ],
)
def test_what_counts_as_a_number(query: str, number: bool) -> None:
    assert looks_like_number(query) is number


def test_a_token_expires_after_its_time(wanzhou: District, clock: Clock) -> None:
    clock.default_to(date(2026, 11, 27))
    visitor = client_for("wanzhou.localhost")
    results = visitor.post("/search/", {"q": ID_NUMBER})["Location"]

    clock.shift(timedelta(seconds=SEARCH_TOKEN_SECONDS - 60))
    fresh = visitor.get(results)
    clock.shift(timedelta(seconds=120))
    stale = visitor.get(results)

    assert fresh.status_code == 200
    assert fresh.context["query"] == ID_NUMBER
    assert stale.status_code == 410
    assert stale.context["error"] == "查询已过期，请重新输入查询内容"


def test_tokens_are_kept_per_scope_and_sealed(wanzhou: District) -> None:
    clerk = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.WINDOW_CLERK)
    visitor = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        visitor.force_login(clerk)

    portal = visitor.post("/search/", {"q": ID_NUMBER})["Location"]
    console = visitor.post("/console/subjects/", {"q": ID_NUMBER})["Location"]
    [token] = re.findall(r"/search/r/([A-Za-z]{32})/", portal)

    assert visitor.get(f"/console/subjects/r/{token}/").status_code == 410
    assert visitor.get(console).status_code == 200
    assert visitor.get("/search/r/not-a-token/").status_code == 410
    with schema_context("wanzhou"):  # the cache's keys carry the schema
        entry = cache.get(f"search-token:portal:{token}")
    assert set(entry) == {"schema", "session", "query"}
    assert entry["schema"] == "wanzhou"
    assert ID_NUMBER not in repr(entry)  # the query is encrypted


def test_an_empty_query_goes_back_to_the_form(wanzhou: District) -> None:
    visitor = client_for("wanzhou.localhost")

    answer = visitor.post("/search/", {"q": "  "})

    assert (answer.status_code, answer["Location"]) == (303, "/search/")
