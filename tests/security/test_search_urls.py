"""Finding 10: identity numbers in URLs. The console's 主体查询 and the portal's 信用查询 were GET
forms, so a person's identity number went into the address bar, the browser's history, Referer
headers and any proxy's log. Now both forms POST; the query is kept behind a random token (letters
only) for the session and district that made it, and the visitor is sent (303) to the token's
result page. A number in a URL is never searched for; the access log never sees one.

A person (by identity number) and a company of 万州区 are committed for the server and removed
afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.identifiers import ID_CHECK, ID_WEIGHTS, mask_resident_id
from core.common.tenancy import use_public_schema
from core.subjects.models import Subject
from core.subjects.protection import encrypt, lookup_hash
from tests.conftest import KAIZHOU, WANZHOU, make_staff
from tests.core.collection.files import uscc
from tests.security.conftest import Browser, ProductionServer
from tests.security.staff import signed_in

BODY = "50010119900307123"
ID_NUMBER = BODY + ID_CHECK[sum(int(d) * w for d, w in zip(BODY, ID_WEIGHTS, strict=True)) % 11]
PERSON = "安检测"
COMPANY_CODE = uscc(8801)
COMPANY = "重庆市万州区安检测试建设有限公司"
EXPIRED = "查询已过期，请重新输入查询内容"
TOKEN_PAGE = re.compile(r"/(?:console/subjects|search)/r/[A-Za-z]{32}/")


@dataclass
class Staff:
    wanzhou: Browser
    wanzhou_other: Browser
    kaizhou: Browser
    person_id: int


@pytest.fixture
def staff(production: ProductionServer, django_db_blocker: Any) -> Iterator[Staff]:
    """Two staff members of 万州区 and one of 开州区, each signed in; the person and the company
    committed in 万州区."""
    emails = ("search-a@wanzhou.test", "search-b@wanzhou.test")
    with django_db_blocker.unblock():
        today = timezone.localdate()
        with schema_context("wanzhou"):
            person = Subject.objects.create(
                kind="natural", name=PERSON, name_as_of=today, id_hash=lookup_hash(ID_NUMBER),
                id_masked=mask_resident_id(ID_NUMBER), id_cipher=encrypt(ID_NUMBER),
            )  # fmt: skip
            Subject.objects.create(kind="legal", name=COMPANY, name_as_of=today, uscc=COMPANY_CODE)
        users = [make_staff("wanzhou", e, StaffRole.WINDOW_CLERK) for e in emails]
        other_district = make_staff("kaizhou", "search@kaizhou.test", StaffRole.WINDOW_CLERK)
        visitors = Staff(
            wanzhou=signed_in(production, WANZHOU.domain, "wanzhou", users[0]),
            wanzhou_other=signed_in(production, WANZHOU.domain, "wanzhou", users[1]),
            kaizhou=signed_in(production, KAIZHOU.domain, "kaizhou", other_district),
            person_id=person.pk,
        )
        use_public_schema()
    try:
        yield visitors
    finally:
        with django_db_blocker.unblock():
            with schema_context("wanzhou"):
                Subject.objects.filter(uscc=COMPANY_CODE).delete()
                Subject.objects.filter(pk=person.pk).delete()
                User.objects.filter(email__in=emails).delete()
            with schema_context("kaizhou"):
                User.objects.filter(email="search@kaizhou.test").delete()
            use_public_schema()


def _search(visitor: Browser, form_path: str, query: str) -> str:
    """Submit the form on `form_path`; the result page's path (from the 303)."""
    token = visitor.csrf_from(form_path)
    answer = visitor.post(form_path, form={"q": query, "csrfmiddlewaretoken": token})
    assert answer.status == 303, answer.text
    return answer.headers["Location"]


def test_a_console_search_by_id_number_goes_behind_a_token(
    staff: Staff, production: ProductionServer
) -> None:
    # When a clerk of 万州区 searches for the person's identity number
    results = _search(staff.wanzhou, "/console/subjects/", ID_NUMBER)
    page = staff.wanzhou.get(results)
    again = staff.wanzhou.get(results)  # a reload (the other gunicorn worker, perhaps)

    # Then the result page's URL carries no digit at all, and it lists the person
    assert TOKEN_PAGE.fullmatch(results), results
    assert results.startswith("/console/subjects/r/")
    assert not any(c.isdigit() for c in results)
    assert page.status == 200
    assert f'<a href="/console/subjects/{staff.person_id}/">{PERSON}</a>' in page.text
    assert "no-store" in page.headers["Cache-Control"]
    assert again.status == 200
    assert f'<a href="/console/subjects/{staff.person_id}/">{PERSON}</a>' in again.text

    # And the token is nobody else's: another clerk's session, another district, no session
    for other in (staff.wanzhou_other, staff.kaizhou):
        refused = other.get(results)
        assert refused.status == 410
        assert EXPIRED in refused.text
        assert PERSON not in refused.text
        assert ID_NUMBER not in refused.text
    anonymous = production.visitor(WANZHOU.domain).get(results)
    assert (anonymous.status, anonymous.headers["Location"]) == (
        302,
        f"/console/login/?next={results}",
    )


def test_a_console_query_in_a_url_is_not_read(staff: Staff) -> None:
    # When a link carries an identity number (or a name) to the console's search
    answers = [
        staff.wanzhou.get(f"/console/subjects/?q={q}") for q in (ID_NUMBER, "%E5%AE%89%E6%A3%80")
    ]
    form = staff.wanzhou.get("/console/subjects/")

    # Then it is sent back to the empty form, which says why, and nothing is searched
    assert [(a.status, a.headers["Location"], a.body) for a in answers] == [
        (303, "/console/subjects/", b""),
        (303, "/console/subjects/", b""),
    ]
    assert "为保护个人信息，查询内容不在网址中传递" in form.text
    assert PERSON not in form.text


def test_a_portal_search_goes_behind_a_token(staff: Staff, production: ProductionServer) -> None:
    visitor = production.visitor(WANZHOU.domain)

    # When a visitor searches by a company's code, and by a person's identity number
    by_code = _search(visitor, "/search/", COMPANY_CODE)
    by_number = _search(visitor, "/search/", ID_NUMBER)
    company = visitor.get(by_code)
    person = visitor.get(by_number)

    # Then both go to token pages without a digit in their URL; the company is found, the person
    # is not (people are not public)
    for results in (by_code, by_number):
        assert TOKEN_PAGE.fullmatch(results), results
        assert results.startswith("/search/r/")
        assert not any(c.isdigit() for c in results)
    assert company.status == 200
    assert '<p class="muted" data-testid="result-count">找到 1 个主体</p>' in company.text
    assert COMPANY in company.text
    assert person.status == 200
    assert '<p class="muted" data-testid="result-count">找到 0 个主体</p>' in person.text
    assert PERSON not in person.text

    # And another visitor, or a visitor of another district, gets an expired search
    for other in (production.visitor(WANZHOU.domain), production.visitor(KAIZHOU.domain)):
        refused = other.get(by_number)
        assert refused.status == 410
        assert EXPIRED in refused.text
        assert ID_NUMBER not in refused.text


def test_a_portal_number_in_a_url_is_not_searched_but_names_are(
    staff: Staff, production: ProductionServer
) -> None:
    visitor = production.visitor(WANZHOU.domain)

    # When links carry an identity number, a company's code, and the words of a name
    by_number = visitor.get(f"/search/?q={ID_NUMBER}")
    by_code = visitor.get(f"/search/?q={COMPANY_CODE}")
    form = visitor.get("/search/")
    by_name = visitor.get("/search/?q=%E5%AE%89%E6%A3%80%20%E5%BB%BA%E8%AE%BE")  # 安检 建设

    # Then numbers are sent back to the form, which says why; a name is searched (shareable)
    assert [(a.status, a.headers["Location"]) for a in (by_number, by_code)] == [
        (303, "/search/"),
        (303, "/search/"),
    ]
    assert "为保护个人信息，统一社会信用代码和证件号码不在网址中查询" in form.text
    assert by_name.status == 200
    assert '<p class="muted" data-testid="result-count">找到 1 个主体</p>' in by_name.text
    assert COMPANY in by_name.text


def test_the_access_log_never_sees_a_number(staff: Staff, production: ProductionServer) -> None:
    # Given every way of searching by the number, console and portal
    visitor = production.visitor(WANZHOU.domain)
    for searcher, form in ((staff.wanzhou, "/console/subjects/"), (visitor, "/search/")):
        searcher.get(_search(searcher, form, ID_NUMBER))
        searcher.get(f"{form}?q={ID_NUMBER}")

    # Then the server's log (the application's JSON access lines) holds no part of it
    log = production.log.read_text(encoding="utf-8", errors="replace")
    assert '"path": "/search/"' in log
    assert ID_NUMBER not in log
    assert BODY[6:14] not in log  # the date of birth
