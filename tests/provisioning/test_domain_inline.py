"""The operator console's domain rows (issue 22, point 4): adding a domain keeps the primary one,
making another primary is an explicit tick, and every change is in the platform audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.models import User
from tenants.models import District, Domain, PlatformAuditEntry
from tenants.wording import sentence
from tests.conftest import OPERATOR_HOST, client_for


@pytest.fixture
def admin_client(db: None) -> Client:
    with schema_context("public"):
        superuser = User.objects.create_superuser("root@operator.test", "Root-Pass-2026")
    client = client_for(OPERATOR_HOST)
    client.force_login(superuser)
    return client


def _form(district: District, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The change form as the browser posts it: existing rows carry their id."""
    existing = [r for r in rows if r.get("id")]
    data: dict[str, Any] = {
        "name": district.name,
        "region_code": district.region_code,
        "domains-TOTAL_FORMS": str(len(rows)),
        "domains-INITIAL_FORMS": str(len(existing)),
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data[f"domains-{i}-id"] = row.get("id", "")
        data[f"domains-{i}-tenant"] = str(district.pk)
        data[f"domains-{i}-domain"] = row["domain"]
        if row.get("is_primary"):
            data[f"domains-{i}-is_primary"] = "on"
        if row.get("DELETE"):
            data[f"domains-{i}-DELETE"] = "on"
    return data


def _rows(district: District) -> list[dict[str, Any]]:
    return [
        {"id": str(d.pk), "domain": d.domain, "is_primary": d.is_primary}
        for d in Domain.objects.filter(tenant=district).order_by("pk")
    ]


def _primary(district: District) -> str:
    return Domain.objects.get(tenant=district, is_primary=True).domain


@pytest.mark.django_db
def test_a_new_domain_row_is_not_ticked_primary(admin_client: Client) -> None:
    district = District.objects.get(schema_name="wanzhou")

    response = admin_client.get(f"/admin/tenants/district/{district.pk}/change/")

    empty_form = response.context["inline_admin_formsets"][0].formset.empty_form
    assert empty_form["is_primary"].initial is False
    tag = re.search(
        r'<input[^>]*name="domains-__prefix__-is_primary"[^>]*>', response.content.decode()
    )
    assert tag is not None
    assert "checked" not in tag.group(0)


@pytest.mark.django_db
def test_adding_a_domain_keeps_the_primary_and_is_audited(admin_client: Client) -> None:
    district = District.objects.get(schema_name="wanzhou")
    rows = [*_rows(district), {"domain": "Credit.Wanzhou.gov.cn"}]

    response = admin_client.post(
        f"/admin/tenants/district/{district.pk}/change/", _form(district, rows)
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert _primary(district) == "wanzhou.localhost"
    added = Domain.objects.get(domain="credit.wanzhou.gov.cn")
    assert added.tenant_id == district.pk
    assert not added.is_primary
    entry = PlatformAuditEntry.objects.get(action="district.domain_add")
    assert entry.district_schema == "wanzhou"
    assert entry.details == {"domain": "credit.wanzhou.gov.cn", "primary": False}
    assert (
        sentence(entry.action, actor="运营人员", district="万州区")
        == "运营人员为区县万州区添加了域名"
    )


@pytest.mark.django_db
def test_making_another_domain_primary_is_explicit_and_audited(admin_client: Client) -> None:
    district = District.objects.get(schema_name="wanzhou")
    Domain.objects.create(domain="credit.wanzhou.gov.cn", tenant=district)
    assert _primary(district) == "wanzhou.localhost"
    rows = _rows(district)
    for row in rows:
        row["is_primary"] = row["domain"] == "credit.wanzhou.gov.cn"

    response = admin_client.post(
        f"/admin/tenants/district/{district.pk}/change/", _form(district, rows)
    )

    assert response.status_code == 302
    assert _primary(district) == "credit.wanzhou.gov.cn"
    entry = PlatformAuditEntry.objects.get(action="district.domain_change")
    assert entry.details == {"domain": "credit.wanzhou.gov.cn", "primary": True}
    assert (
        sentence(entry.action, actor="运营人员", district="万州区")
        == "运营人员修改了区县万州区的域名"
    )


@pytest.mark.django_db
def test_two_primaries_or_none_are_refused_in_chinese(admin_client: Client) -> None:
    district = District.objects.get(schema_name="wanzhou")
    url = f"/admin/tenants/district/{district.pk}/change/"
    two = [*_rows(district), {"domain": "credit.wanzhou.gov.cn", "is_primary": True}]
    none = [{**row, "is_primary": False} for row in _rows(district)]

    for rows in (two, none):
        response = admin_client.post(url, _form(district, rows))
        assert response.status_code == 200
        assert "请勾选且只勾选一个主域名" in response.content.decode()
    assert _primary(district) == "wanzhou.localhost"
    assert not Domain.objects.filter(domain="credit.wanzhou.gov.cn").exists()
    assert not PlatformAuditEntry.objects.filter(action__startswith="district.domain").exists()


@pytest.mark.django_db
def test_an_invalid_domain_is_refused_on_its_row(admin_client: Client) -> None:
    district = District.objects.get(schema_name="wanzhou")
    rows = [*_rows(district), {"domain": "credit_wanzhou.gov.cn"}]

    response = admin_client.post(
        f"/admin/tenants/district/{district.pk}/change/", _form(district, rows)
    )

    assert response.status_code == 200
    assert "含下划线" in response.content.decode()
