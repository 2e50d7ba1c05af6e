"""The operator adds a domain to a district in a real browser (issue 22, point 4): the new row is
not ticked primary, the primary domain stays, and the platform audit log says who added what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from core.accounts.models import User
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District, Domain, PlatformAuditEntry
from tests.e2e.conftest import committed_districts, operator_login

pytestmark = pytest.mark.e2e

CHANGSHOU = OnboardingRequest(slug="changshou", name="长寿区", platform_name="信用长寿",
                             region_code="500115", domain="changshou.localhost",
                             admin_email="admin@changshou.example")  # fmt: skip


def test_adding_a_domain_keeps_the_primary_one(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path, server_port: int, page: Page
) -> None:
    with committed_districts(django_db_blocker, str(tmp_path), "Admin-Pass-2026", CHANGSHOU):
        district = District.objects.get(schema_name="changshou")
        operator = User.objects.filter(email="ops-domains@operator.test").first()
        operator = operator or User.objects.create_superuser(
            "ops-domains@operator.test", "Operator-Pass-2026"
        )
        console = operator_login(
            page, server_port, "ops-domains@operator.test", "Operator-Pass-2026"
        )

        page.goto(f"{console}/tenants/district/{district.pk}/change/")
        page.locator(".add-row a").click()
        new_row = page.locator('input[name="domains-1-domain"]')
        new_row.fill("credit.changshou.gov.cn")
        expect(page.locator('input[name="domains-1-is_primary"]')).not_to_be_checked()
        expect(page.locator('input[name="domains-0-is_primary"]')).to_be_checked()
        page.locator('input[name="_continue"]').click()
        expect(page.locator(".messagelist")).to_contain_text("长寿区")

        domains = dict(Domain.objects.filter(tenant=district).values_list("domain", "is_primary"))
        assert domains == {"changshou.localhost": True, "credit.changshou.gov.cn": False}
        entry = PlatformAuditEntry.objects.filter(
            action="district.domain_add", district_schema="changshou"
        ).latest("id")
        assert entry.actor_user_id == operator.pk
        assert entry.details == {"domain": "credit.changshou.gov.cn", "primary": False}
