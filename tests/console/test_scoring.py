"""The scorecard page: drafts keep what was typed when something is wrong, rules are added and
deleted, and only a district admin may change anything."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.scoring.models import Scorecard
from tests.conftest import make_staff
from tests.support.pages import signed_in


@pytest.fixture
def admin_client(department: Department) -> Client:
    client = signed_in(make_staff("wanzhou", "scorer@wanzhou.test", StaffRole.DISTRICT_ADMIN))
    client.post("/console/scoring/", {"draft_create": "1"})
    return client


def draft_values(client: Client) -> dict[str, str]:
    """Every input of the draft form with the value the page shows."""
    import re

    page = client.get("/console/scoring/").content.decode()
    form = page[page.index('data-testid="draft"') : page.index('data-testid="rule-add"')]
    values = dict(re.findall(r'<input name="([^"]+)"[^>]*value="([^"]*)"', form))
    values.update(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    values.update(dict.fromkeys(re.findall(r'<select name="([^"]+)"', form), ""))
    values.update(
        re.findall(
            r'<select name="(rule-\d+-veto)"[^>]*>(?:(?!</select>).)*?<option value="([A-D])" selected',
            form,
            re.S,
        )
    )
    return values


def test_a_wrong_number_is_explained_and_what_was_typed_stays(admin_client: Client) -> None:
    values = draft_values(admin_client)
    values.update(
        {"recency-0-months": "12", "recency-1-months": "6", "grade_a": "900", "save": "1"}
    )

    page = admin_client.post("/console/scoring/", values).content.decode()

    assert "时效系数：时效分段的月数应从小到大，且为1到120的整数" in page
    assert 'name="grade_a" size="5" value="900"' in page  # kept on the page …
    with schema_context("wanzhou"):
        assert Scorecard.objects.get(status="draft").grade_a == 850  # … but nothing saved


def test_rules_are_added_and_deleted(admin_client: Client) -> None:
    response = admin_client.post("/console/scoring/", {
        "rule_add": "1", "indicator_code": "D4.1", "name": "志愿服务表彰", "record_kind": "red_list",
        "points": "15", "cap": "45", "catalog_item_code": "", "severity": "", "veto_grade": "",
    })  # fmt: skip
    assert response.status_code == 302
    with schema_context("wanzhou"):
        rule = Scorecard.objects.get(status="draft").rules.get(code="R14")
        assert (rule.name, rule.points, rule.cap) == ("志愿服务表彰", Decimal(15), Decimal(45))

    values = draft_values(admin_client)
    values["rule_delete"] = str(rule.pk)
    response = admin_client.post("/console/scoring/", values)

    assert response.status_code == 302
    with schema_context("wanzhou"):
        assert not Scorecard.objects.get(status="draft").rules.filter(code="R14").exists()


def test_a_rule_without_a_kind_or_item_is_refused(admin_client: Client) -> None:
    page = admin_client.post("/console/scoring/", {
        "rule_add": "1", "indicator_code": "D4.1", "name": "无条件", "points": "5",
    }).content.decode()  # fmt: skip

    assert "请至少指定记录类别或目录信息项" in page


def test_other_staff_read_but_do_not_change(department: Department) -> None:
    clerk = signed_in(make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK))

    assert "现行版本：v1" in clerk.get("/console/scoring/").content.decode()
    assert clerk.post("/console/scoring/", {"draft_create": "1"}).status_code == 404


def test_publish_publishes_what_is_on_the_screen(admin_client: Client) -> None:
    values = draft_values(admin_client)
    values.update({"grade_a": "900", "publish": "1"})

    assert admin_client.post("/console/scoring/", values).status_code == 302
    with schema_context("wanzhou"):
        assert Scorecard.objects.get(status="published").grade_a == 900


def test_numbers_too_large_or_odd_are_explained_not_crashed(admin_client: Client) -> None:
    values = draft_values(admin_client)
    rule_points = next(k for k in values if k.endswith("-points"))
    values.update({rule_points: "99999.999", "recency-0-months": "30000", "save": "1"})

    page = admin_client.post("/console/scoring/", values).content.decode()

    assert "数值应在±10000以内" in page
    assert "时效分段的月数应从小到大，且为1到120的整数" in page
    values.update({rule_points: "1E+999999", "recency-0-months": "12"})
    assert "不是合适的数字" in admin_client.post("/console/scoring/", values).content.decode()


def test_a_stale_page_does_not_change_a_newer_draft(admin_client: Client) -> None:
    values = draft_values(admin_client)
    values.update({"number": "1", "save": "1"})  # the page showed another version

    page = admin_client.post("/console/scoring/", values).content.decode()

    assert "请刷新页面后再修改" in page


def test_the_model_notes_explain_the_score_in_chinese(admin_client: Client) -> None:
    page = admin_client.get("/console/scoring/").content.decode()
    notes = page.split('data-testid="model-notes"')[1].split("</details>")[0]

    assert (
        "<p>每个企业、其他组织和个体工商户都从起评分开始：各指标的起评分之和。自然人不参与评分。</p>"
        in notes
    )
    assert "同一规则下多条记录的分值相加，不超过该规则的上限" in notes
    assert not any(word in notes for word in ("docs/", "score", "The "))
