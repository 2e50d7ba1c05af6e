from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context, schema_exists

import core.content.migrations as portal_theme_migrations
from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.accounts.services import login_link_peek
from core.catalog.models import CatalogCategory, CatalogItem
from core.common.actors import Actor
from core.common.errors import ApplicationError, NotFound
from core.content.models import Theme
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from provisioning.services.template import applied_migrations, expected_migrations
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District, PlatformAuditEntry

FENGJIE = OnboardingRequest(
    slug="fengjie",
    name="奉节县",
    platform_name="信用奉节",
    region_code="500236",
    domain="credit.fengjie.example",
    admin_email="Admin@Fengjie.example",
    admin_name="奉节管理员",
)
ACTOR = Actor.cli()


def onboard(**changes: str) -> object:
    fields = {**FENGJIE.__dict__, **changes}
    return district_onboard(request=OnboardingRequest(**fields), actor=ACTOR)


@pytest.mark.django_db
def test_onboarding_creates_a_ready_district() -> None:
    result = district_onboard(request=FENGJIE, actor=ACTOR)

    assert result.created is True
    district = District.objects.get(schema_name="fengjie")
    assert (district.kind, district.name, district.region_code, district.status) == (
        DistrictKind.DISTRICT,
        "奉节县",
        "500236",
        DistrictStatus.ACTIVE,
    )
    assert [d.domain for d in district.domains.all()] == ["credit.fengjie.example"]
    assert schema_exists("fengjie")
    with schema_context("fengjie"):
        theme = Theme.objects.get()
        assert (theme.platform_name, theme.district_name, theme.region_code) == (
            "信用奉节",
            "奉节县",
            "500236",
        )
        assert CatalogCategory.objects.count() == 11
        assert CatalogItem.objects.count() == 29
        admin = User.objects.get()
        assert (admin.email, admin.full_name, admin.role) == (
            "admin@fengjie.example",
            "奉节管理员",
            StaffRole.DISTRICT_ADMIN,
        )
        assert admin.has_usable_password() is False
        assert result.login_token is not None
        assert login_link_peek(token=result.login_token) == admin


@pytest.mark.django_db
def test_a_cloned_district_carries_every_tenant_migration() -> None:
    district_onboard(request=FENGJIE, actor=ACTOR)

    assert applied_migrations("fengjie") == expected_migrations()


@pytest.mark.django_db
def test_onboarding_is_audited_with_who_and_what() -> None:
    district_onboard(request=FENGJIE, actor=ACTOR)

    entry = PlatformAuditEntry.objects.get(action="district.onboard", district_schema="fengjie")
    assert entry.actor_kind == "cli"
    assert entry.actor_label == ACTOR.label
    assert entry.details == {
        "name": "奉节县",
        "platform_name": "信用奉节",
        "region_code": "500236",
        "domain": "credit.fengjie.example",
        "admin_email": "admin@fengjie.example",
        "from_spare": True,
    }


@pytest.mark.django_db
def test_retrying_the_same_request_returns_the_same_district_and_a_fresh_link() -> None:
    first = district_onboard(request=FENGJIE, actor=ACTOR)
    again = district_onboard(request=FENGJIE, actor=ACTOR)

    assert again.created is False
    assert again.district.pk == first.district.pk
    assert again.login_token is not None
    assert again.login_token != first.login_token
    with schema_context("fengjie"):
        assert User.objects.count() == 1
        with pytest.raises(NotFound):
            login_link_peek(token=first.login_token or "")
    assert (
        PlatformAuditEntry.objects.filter(
            action="district.onboard", district_schema="fengjie"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_retry_after_the_admin_has_logged_in_issues_no_new_link() -> None:
    district_onboard(request=FENGJIE, actor=ACTOR)
    with schema_context("fengjie"):
        User.objects.update(last_login="2026-11-01T08:00:00+08:00")

    again = district_onboard(request=FENGJIE, actor=ACTOR)

    assert again.created is False
    assert again.login_token is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code", "message"),
    [
        ({"slug": "Fengjie"}, "slug", "INVALID", "标识“Fengjie”不合法"),
        ({"slug": "1fengjie"}, "slug", "INVALID", "标识“1fengjie”不合法"),
        ({"slug": "f"}, "slug", "INVALID", "标识“f”不合法"),
        ({"slug": "feng-jie"}, "slug", "INVALID", "标识“feng-jie”不合法"),
        ({"slug": "public"}, "slug", "INVALID", "标识“public”是保留名称"),
        ({"slug": "pg_fengjie"}, "slug", "INVALID", "标识“pg_fengjie”是保留名称"),
        ({"slug": "district_template"}, "slug", "INVALID", "是保留名称"),
        ({"slug": "wanzhou"}, "slug", "SLUG_TAKEN", "标识“wanzhou”已被占用"),
        ({"domain": "credit_fengjie.example"}, "domain", "INVALID", "含下划线，请改用连字符"),
        ({"domain": "fengjie"}, "domain", "INVALID", "须为完整域名"),
        ({"domain": "-fengjie.example"}, "domain", "INVALID", "的“-fengjie”部分不合法"),
        ({"domain": "feng..jie.example"}, "domain", "INVALID", "部分不合法"),
        ({"domain": "10.0.0.1"}, "domain", "INVALID", "看起来是IP地址"),
        (
            {"domain": "wanzhou.localhost"},
            "domain",
            "DOMAIN_TAKEN",
            "域名“wanzhou.localhost”已被其他平台使用",
        ),
        ({"region_code": "50023"}, "region_code", "INVALID", "应为6位数字"),
        ({"region_code": "990236"}, "region_code", "INVALID", "前两位不是有效的省级代码"),
        ({"region_code": "500200"}, "region_code", "INVALID", "是省级或地市级代码"),
        ({"region_code": "500101"}, "region_code", "REGION_TAKEN", "行政区划代码“500101”已有平台"),
        (
            {"admin_email": "not-an-email"},
            "admin_email",
            "INVALID",
            "管理员邮箱“not-an-email”格式不正确",
        ),
        ({"name": " "}, "name", "INVALID", "区县名称不能为空"),
        ({"platform_name": ""}, "platform_name", "INVALID", "平台名称不能为空"),
    ],
)
def test_bad_requests_are_refused_with_the_field_and_reason(
    changes: dict[str, str], field: str, code: str, message: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        onboard(**changes)

    assert caught.value.field == field
    assert caught.value.code == code
    assert message in caught.value.message
    assert not District.objects.filter(schema_name="fengjie").exists()


@pytest.mark.django_db
def test_domains_are_normalised() -> None:
    result = onboard(domain="Credit.FengJie.Example.")

    assert result.domain == "credit.fengjie.example"  # type: ignore[attr-defined]


def _copy_migrations_with_a_latecomer(target: Path) -> str:
    """A migration package holding portal_theme's real migrations plus one more, as a deploy that
    adds a migration would."""
    package = target / "latecomer_migrations"
    source = Path(portal_theme_migrations.__file__ or "").parent
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__"))
    last = sorted(p.stem for p in package.glob("[0-9][0-9][0-9][0-9]_*.py"))[-1]
    (package / "0999_latecomer.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('portal_theme', '{last}')]\n"
        "    operations = [migrations.RunSQL(\n"
        "        'CREATE TABLE portal_theme_latecomer (id integer)',\n"
        "        'DROP TABLE portal_theme_latecomer')]\n"
    )
    return "latecomer_migrations"


@pytest.mark.django_db
def test_a_new_migration_reaches_the_template_before_the_next_onboarding(tmp_path: Path) -> None:
    module = _copy_migrations_with_a_latecomer(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        with override_settings(MIGRATION_MODULES={"portal_theme": module}):
            district_onboard(request=FENGJIE, actor=ACTOR)

            assert ("portal_theme", "0999_latecomer") in applied_migrations("district_template")
            assert ("portal_theme", "0999_latecomer") in applied_migrations("fengjie")
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass('fengjie.portal_theme_latecomer')")
                assert cursor.fetchone() == ("fengjie.portal_theme_latecomer",)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(module, None)
