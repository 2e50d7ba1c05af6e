"""信用查询 and 信用红黑名单 on the portal: partial Chinese names and exact codes find companies; a
subject page shows exactly its public records; people, repaired and withdrawn records stay out."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.common.actors import Actor
from core.records.models import Record
from core.subjects.models import Subject
from core.subjects.search import search_public
from provisioning.services.lifecycle import district_archive
from tenants.models import District
from tests.conftest import client_for
from tests.core.collection.conftest import upload
from tests.core.collection.files import as_csv, as_record_csv, listing, penalty, uscc


@pytest.fixture
def public(department: Department) -> Client:
    with schema_context("wanzhou"):
        upload(department, as_csv([
            penalty(9, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X", XDR_MC="王建设"),
            penalty(1, XDR_MC="重庆市万州区长江建设有限公司"),
            penalty(2, XDR_MC="重庆市万州区平湖商贸有限公司"),
            penalty(3, XDR_MC="重庆市开州区汉丰建设有限公司"),
            penalty(4, XDR_MC="重庆市万州区长江建设有限公司", WSH="万州市监罚〔2026〕40号", XDR_SHXYM=uscc(1)),
            penalty(5, XDR_MC="重庆市万州区长江建设有限公司", WSH="万州市监罚〔2026〕41号", XDR_SHXYM=uscc(1)),
        ]))  # fmt: skip
        upload(department, as_record_csv([listing(2, XDR_MC="重庆市万州区平湖商贸有限公司"),
                                          listing(3, XDR_MC="重庆市开州区汉丰建设有限公司", LX="守信激励")]), "名单.csv")  # fmt: skip
        Record.objects.filter(doc_number="万州市监罚〔2026〕40号").update(
            repaired_at=timezone.now()
        )
        Record.objects.filter(doc_number="万州市监罚〔2026〕41号").update(
            disputed_since=timezone.now()
        )
    return client_for("wanzhou.localhost")


def names(query: str) -> list[str]:
    with schema_context("wanzhou"):
        return [h.name for h in search_public(query)[0]]


def test_words_of_a_name_and_exact_codes_find_companies(public: Client) -> None:
    assert names("万州 建设") == ["重庆市万州区长江建设有限公司"]
    assert names("建设") == ["重庆市万州区长江建设有限公司", "重庆市开州区汉丰建设有限公司"]
    assert names("平湖") == ["重庆市万州区平湖商贸有限公司"]
    assert names("汉") == ["重庆市开州区汉丰建设有限公司"]  # one character: a prefix of a pair
    assert names(uscc(2)) == ["重庆市万州区平湖商贸有限公司"]
    assert names("王建设") == []  # people are not searchable by the public
    assert names("11010519491231002X") == []


def test_a_subject_page_shows_exactly_its_public_records(public: Client) -> None:
    with schema_context("wanzhou"):
        company = Subject.objects.get(uscc=uscc(1))

    page = public.get(f"/subjects/{company.pk}/").content.decode()

    assert page.count('data-testid="public-record"') == 2  # the repaired one is gone
    assert "万州市监罚〔2026〕40号" not in page
    assert page.count('data-testid="disputed"') == 1
    assert "查询期内无相关信息" in page
    with schema_context("wanzhou"):
        person = Subject.objects.get(kind="natural")
    assert public.get(f"/subjects/{person.pk}/").status_code == 404


def test_the_search_page_and_the_lists(public: Client) -> None:
    page = public.get("/search/", {"q": "万州 建设"}).content.decode()
    assert "找到 1 个主体" in page
    assert "重庆市万州区长江建设有限公司" in page

    black = public.get("/lists/black/").content.decode()
    assert "重庆市万州区平湖商贸有限公司" in black
    assert "汉丰" not in black
    red = public.get("/lists/red/", {"name": "汉丰"}).content.decode()
    assert "重庆市开州区汉丰建设有限公司" in red
    assert "查询期内无相关信息" in public.get("/lists/red/", {"year": "2020"}).content.decode()
    assert public.get("/lists/grey/").status_code == 404


def test_pages_carry_security_headers(public: Client) -> None:
    response = public.get("/search/", {"q": "建设"})

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_joint_punishment_shows_the_cases_and_their_measures(public: Client) -> None:
    page = public.get("/joint-punishment/").content.decode()

    assert "重庆市万州区平湖商贸有限公司" in page  # its serious-dishonesty listing
    assert "限制参加政府采购活动" in page
    assert "全国失信惩戒措施基础清单（2021年版）" in page
    assert "汉丰" not in page  # an honour is no punishment


@pytest.mark.parametrize(
    "path",
    [
        "/search/?q=%00",
        "/search/?q=x&page=99999999999999999999",
        "/reports/verify/?number=%00&code=x",
        "/lists/black/?name=%00",
        "/lists/black/?year=99999",
        "/lists/black/?year=-3",
        "/submissions/status/?receipt=%00",
    ],
)
def test_hand_made_urls_get_ordinary_pages(public: Client, path: str) -> None:
    assert public.get(path).status_code == 200


def _companies(count: int) -> None:
    with schema_context("wanzhou"):
        Subject.objects.bulk_create(
            Subject(kind="legal", name=f"重庆市万州区翠屏{n:02d}建设有限公司",
                    name_as_of=timezone.localdate(), uscc=uscc(5000 + n))
            for n in range(count)
        )  # fmt: skip


def test_a_posted_search_pages_through_its_token(wanzhou: District) -> None:
    _companies(25)
    visitor = client_for("wanzhou.localhost")

    posted = visitor.post("/search/", {"q": "翠屏"})
    first = visitor.get(posted["Location"])
    second = visitor.get(posted["Location"], {"page": "2"})

    assert posted.status_code == 303
    assert re.fullmatch(r"/search/r/[A-Za-z]{32}/", posted["Location"])
    assert first.context["query"] == "翠屏"
    assert [h.name for h in first.context["hits"]] == [
        f"重庆市万州区翠屏{n:02d}建设有限公司" for n in range(20)
    ]
    assert '<a href="?page=2">下一页</a>' in first.content.decode()
    assert [h.name for h in second.context["hits"]] == [
        f"重庆市万州区翠屏{n:02d}建设有限公司" for n in range(20, 25)
    ]
    assert '<a href="?page=1">上一页</a>' in second.content.decode()


def test_a_name_in_the_url_pages_with_the_name(wanzhou: District) -> None:
    _companies(25)

    page = client_for("wanzhou.localhost").get("/search/", {"q": "翠屏"}).content.decode()

    assert '<a href="?q=%E7%BF%A0%E5%B1%8F&amp;page=2">下一页</a>' in page


def test_a_search_is_a_read_in_an_archived_district(wanzhou: District) -> None:
    district_archive(district=wanzhou, actor=Actor.system("tests"))
    visitor = client_for("wanzhou.localhost")

    posted = visitor.post("/search/", {"q": "建设"})
    window = visitor.post("/console/subjects/1/window/", {})

    assert posted.status_code == 303
    assert visitor.get(posted["Location"]).status_code == 200
    assert window.status_code == 403  # the window writes: still refused
