"""What held in the red-team review, kept holding: no district sees another's pages, sessions,
files or cached answers, and nothing reaches the operator's site but its own host names. Against
the production-like server (the two districts of the test database: 万州 and 开州)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.storage.signing import signed_path
from tests.security.conftest import Answer, ProductionServer

WANZHOU, KAIZHOU = "信用万州", "信用开州"
PASSWORD = "Isolation-Probe-2026!"


def site_of(answer: Answer) -> str:
    """Whose site answered: a district's platform name, the operator's, or nobody's."""
    if answer.status >= 400 or not answer.text:
        return "none"
    names = [n for n in (WANZHOU, KAIZHOU) if n in answer.text]
    if len(names) > 1:
        return "both"
    if names:
        return names[0]
    return "operator" if "/admin/" in answer.text or "运营" in answer.text else "other"


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("wanzhou.localhost", {WANZHOU}),
        ("WANZHOU.LOCALHOST", {WANZHOU, "none"}),
        ("wanzhou.localhost.", {WANZHOU, "none"}),
        ("wanzhou.localhost:8000", {WANZHOU}),
        ("wanzhou.localhost:443", {WANZHOU}),
        ("www.wanzhou.localhost", {WANZHOU, "none"}),
        ("kaizhou.localhost.wanzhou.localhost", {"none"}),
        ("wanzhou.localhost.kaizhou.localhost", {"none"}),
        ("wanzhou.localhost@kaizhou.localhost", {"none"}),
        ("kaizhou.localhost#wanzhou.localhost", {"none"}),
        ("wanzhou.localhost%00kaizhou.localhost", {"none"}),
        ("wanzhou-localhost", {"none"}),
        ("wanzhou", {"none"}),
        ("localhost.wanzhou", {"none"}),
        ("template.localhost", {"none"}),
        ("127.0.0.2", {"none"}),
        ("[::1]", {"none"}),
        ("xn--wanzhou.localhost", {"none"}),
        ("wanzhou.localhost, kaizhou.localhost", {"none"}),
    ],
)
def test_a_host_name_reaches_its_own_district_or_nothing(
    production: ProductionServer, host: str, allowed: set[str]
) -> None:
    answer = production.visitor(host).get("/")

    assert site_of(answer) in allowed, (answer.status, answer.text[:300])


@pytest.fixture
def staff_of_each(production: ProductionServer, django_db_blocker: Any) -> Iterator[None]:
    """A committed window clerk in each district, with the same e-mail and password."""
    with django_db_blocker.unblock():
        for schema in ("wanzhou", "kaizhou"):
            with schema_context(schema):
                User.objects.create_user("probe@district.test", PASSWORD,
                                         role=StaffRole.WINDOW_CLERK.value)  # fmt: skip
        try:
            yield
        finally:
            for schema in ("wanzhou", "kaizhou"):
                with schema_context(schema):
                    User.objects.filter(email="probe@district.test").delete()


def log_in(production: ProductionServer, host: str) -> Any:
    visitor = production.visitor(host)
    token = visitor.csrf_from("/console/login/")
    answer = visitor.post("/console/login/", form={
        "csrfmiddlewaretoken": token, "username": "probe@district.test", "password": PASSWORD})  # fmt: skip
    assert answer.status == 302, answer.text[:500]
    return visitor


def test_a_session_is_only_good_in_the_district_that_opened_it(
    production: ProductionServer, staff_of_each: None, flush_limits: None
) -> None:
    wanzhou = log_in(production, "wanzhou.localhost")
    session = wanzhou.cookie("sessionid")
    assert session

    kaizhou = production.visitor("kaizhou.localhost").get(
        "/console/", headers={"Cookie": f"sessionid={session}"}
    )
    operator = production.visitor("localhost").get(
        "/admin/", headers={"Cookie": f"sessionid={session}"}
    )
    home = wanzhou.get("/console/")

    assert home.status == 200
    assert WANZHOU in home.text
    # Elsewhere the cookie opens nothing: each site sends the visitor to its own login page.
    assert (kaizhou.status, kaizhou.headers["Location"]) == (302, "/console/login/?next=/console/")
    assert (operator.status, operator.headers["Location"]) == (302, "/admin/login/?next=/admin/")


def test_a_signed_file_link_opens_only_in_its_own_district(
    production: ProductionServer,
) -> None:
    name = f"probes/{secrets.token_hex(6)}.txt"
    (production.media / "wanzhou" / "probes").mkdir(parents=True, exist_ok=True)
    (production.media / "wanzhou" / name).write_text("万州的文件")
    link = signed_path(schema="wanzhou", name=name)
    forged = signed_path(schema="kaizhou", name=name)

    own = production.visitor("wanzhou.localhost").get(link)
    other = production.visitor("kaizhou.localhost").get(link)
    relabelled = production.visitor("kaizhou.localhost").get(forged)
    tampered = production.visitor("wanzhou.localhost").get(link[:-3] + "xx/")

    assert (own.status, own.text) == (200, "万州的文件")
    assert own.headers["Cache-Control"] == "private, no-store"
    assert [other.status, relabelled.status, tampered.status] == [404, 404, 404]


def test_a_cached_answer_is_never_served_to_another_district(
    production: ProductionServer, flush_limits: None
) -> None:
    query = "{ district { slug name } }"
    for _ in range(2):  # the second answer of each comes from the response cache
        answers = {host: production.visitor(host).graphql(query).json()
                   for host in ("wanzhou.localhost", "kaizhou.localhost")}  # fmt: skip

        assert answers == {
            "wanzhou.localhost": {"data": {"district": {"slug": "wanzhou", "name": "万州区"}}},
            "kaizhou.localhost": {"data": {"district": {"slug": "kaizhou", "name": "开州区"}}},
        }


def test_the_operator_console_is_only_on_the_operators_hosts(production: ProductionServer) -> None:
    answers = {host: production.visitor(host).get("/admin/login/")
               for host in ("localhost", "wanzhou.localhost", "kaizhou.localhost")}  # fmt: skip

    assert answers["localhost"].status == 200
    assert re.search(r'name="username"', answers["localhost"].text)
    assert answers["wanzhou.localhost"].status == 404
    assert answers["kaizhou.localhost"].status == 404
