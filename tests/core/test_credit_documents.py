"""A new district is not empty: its 法律法规 and 政策指引 start with national and Chongqing credit
documents (core/content/data/credit_documents.toml), which staff edit or remove like any article."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.common.actors import Actor
from core.content.models import Article
from core.content.seeding import credit_documents, credit_documents_seed
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from tests.conftest import client_for, make_staff
from tests.support.pages import signed_in

FENGJIE = OnboardingRequest(
    slug="fengjie", name="奉节县", platform_name="信用奉节", region_code="500236",
    domain="credit.fengjie.example", admin_email="admin@fengjie.example",
)  # fmt: skip


def test_the_data_file_holds_national_and_chongqing_documents() -> None:
    documents = {d.title: d for d in credit_documents()}

    assert len(documents) == len(credit_documents()) == 8
    assert {d.category for d in documents.values()} == {"laws", "policies"}
    assert all(d.url.startswith("https://") and d.url in d.body for d in documents.values())
    assert all("来源：" in d.body for d in documents.values())
    outline = documents["社会信用体系建设规划纲要（2014—2020年）"]
    assert (outline.source, outline.number, outline.date) == (
        "国务院", "国发〔2014〕21号", date(2014, 6, 14)
    )  # fmt: skip
    assert documents["重庆市社会信用条例"].source == "重庆市人民代表大会常务委员会"


@pytest.mark.django_db
def test_a_new_district_lists_the_documents_with_body_number_and_date() -> None:
    district_onboard(request=FENGJIE, actor=Actor.cli())
    portal = client_for("credit.fengjie.example")

    laws = portal.get("/laws/").content.decode()
    policies = portal.get("/policies/").content.decode()

    assert "企业信息公示暂行条例" in laws
    assert "2014-08-07 · 国务院 · 国务院令第654号" in laws
    assert "2023-01-13 · 国家发展和改革委员会 · 国家发展和改革委员会令第58号" in laws
    assert "2021-05-27 · 重庆市人民代表大会常务委员会" in laws
    assert "社会信用体系建设规划纲要（2014—2020年）" in policies
    assert "2014-06-14 · 国务院 · 国发〔2014〕21号" in policies
    assert "2020-12-18 · 国务院办公厅 · 国办发〔2020〕49号" in policies
    assert "国发〔2016〕33号" in policies
    assert "企业信息公示暂行条例" not in policies
    with schema_context("fengjie"):
        outline = Article.objects.get(title="社会信用体系建设规划纲要（2014—2020年）")
    page = portal.get(f"/articles/{outline.pk}/").content.decode()
    assert "文号：国发〔2014〕21号" in page
    assert 'href="https://www.gov.cn/"' in page


@pytest.mark.django_db
def test_seeding_twice_adds_nothing_and_keeps_staff_edits(wanzhou: object) -> None:
    with schema_context("wanzhou"):
        before = Article.objects.count()
        Article.objects.filter(title="重庆市社会信用条例").update(body="本区补充说明")

        added = credit_documents_seed(article_model=Article, today=timezone.localdate())

        assert added == 0
        assert Article.objects.count() == before == 8
        assert Article.objects.get(title="重庆市社会信用条例").body == "本区补充说明"
        Article.objects.filter(title="重庆市社会信用条例").delete()
        assert credit_documents_seed(article_model=Article, today=timezone.localdate()) == 1


def reviewer() -> Client:
    return signed_in(make_staff("wanzhou", "editor@wanzhou.test", StaffRole.REVIEWER))


@pytest.mark.django_db
def test_staff_edit_a_seeded_article(wanzhou: object) -> None:
    with schema_context("wanzhou"):
        article = Article.objects.get(title="企业信息公示暂行条例")
    editor = reviewer()

    form = editor.get(f"/console/articles/{article.pk}/").content.decode()
    response = editor.post(f"/console/articles/{article.pk}/", {
        "category": "laws", "title": "企业信息公示暂行条例", "source": "国务院",
        "document_number": "国务院令第654号", "published_on": "2014-08-07",
        "body": "本区整理的说明。",
    })  # fmt: skip

    assert "国务院令第654号" in form
    assert response.status_code == 302
    with schema_context("wanzhou"):
        article.refresh_from_db()
    assert (article.body, article.document_number, article.updated_by) == (
        "本区整理的说明。", "国务院令第654号", "editor@wanzhou.test"
    )  # fmt: skip
    assert (
        "本区整理的说明。"
        in client_for("wanzhou.localhost").get(f"/articles/{article.pk}/").content.decode()
    )


@pytest.mark.django_db
def test_staff_delete_a_seeded_article(wanzhou: object) -> None:
    with schema_context("wanzhou"):
        article = Article.objects.get(
            title="国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见"
        )

    response = reviewer().post(f"/console/articles/{article.pk}/", {"delete": "1"})

    assert response.status_code == 302
    with schema_context("wanzhou"):
        assert not Article.objects.filter(pk=article.pk).exists()
    assert (
        "国发〔2016〕33号" not in client_for("wanzhou.localhost").get("/policies/").content.decode()
    )


@pytest.mark.django_db
def test_data_clerks_cannot_delete_articles(wanzhou: object) -> None:
    with schema_context("wanzhou"):
        article = Article.objects.get(title="重庆市社会信用条例")
    clerk = signed_in(make_staff("wanzhou", "clerk2@wanzhou.test", StaffRole.DATA_CLERK))

    assert clerk.post(f"/console/articles/{article.pk}/", {"delete": "1"}).status_code == 404
    with schema_context("wanzhou"):
        assert Article.objects.filter(pk=article.pk).exists()


@pytest.mark.django_db
def test_the_migration_seeds_an_existing_district_but_not_the_template(wanzhou: object) -> None:
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    step = import_module(
        "core.content.migrations.0004_article_document_number_and_credit_documents"
    ).seed_credit_documents
    with schema_context("district_template"):
        step(apps, connection.schema_editor())
        assert Article.objects.count() == 0
    with schema_context("wanzhou"):
        Article.objects.all().delete()
        step(apps, connection.schema_editor())
        assert Article.objects.count() == 8
