"""The operator themes a district from the operator console (issue 22 point 6): the district
admin's form and service, run in the district's schema, each change in the platform audit log."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.content.models import Theme
from tenants import wording
from tenants.models import District, PlatformAuditEntry
from tests.conftest import OPERATOR_HOST, client_for, make_staff
from tests.support.pages import signed_in

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.fixture
def admin_client(db: None) -> Client:
    with schema_context("public"):
        superuser = User.objects.create_superuser("root@operator.test", "Root-Pass-2026")
    client = client_for(OPERATOR_HOST)
    client.force_login(superuser)
    return client


def _page(district: District) -> str:
    return f"/admin/tenants/district/{district.pk}/theme/"


def _form(district: District, **changes: str) -> dict[str, str]:
    with schema_context(district.schema_name):
        theme = Theme.objects.get()
    fields = ("platform_name", "primary_colour", "accent_colour", "banner_text", "footer_text",
              "icp_number", "contact_phone", "contact_email", "contact_address", "host_unit",
              "organiser_unit")  # fmt: skip
    return {**{f: getattr(theme, f) for f in fields}, "save": "1", **changes}


@pytest.mark.django_db
def test_the_page_is_linked_and_shows_the_districts_current_theme(
    admin_client: Client, wanzhou: District
) -> None:
    listing = admin_client.get("/admin/tenants/district/").content.decode()
    change = admin_client.get(f"/admin/tenants/district/{wanzhou.pk}/change/").content.decode()
    assert _page(wanzhou) in listing
    assert _page(wanzhou) in change

    response = admin_client.get(_page(wanzhou))

    body = response.content.decode()
    assert response.status_code == 200
    assert "万州区：门户主题" in body
    assert '<label for="id_platform_name" class="required">平台名称' in body or (
        '<label for="id_platform_name">平台名称' in body
    )
    assert 'value="信用万州"' in body
    assert '<label for="id_host_unit">主办单位' in body
    assert "标志或区徽（PNG或JPG）" in body


@pytest.mark.django_db
def test_a_change_is_saved_in_the_district_and_shown_on_its_portal(
    admin_client: Client, wanzhou: District, kaizhou: District
) -> None:
    form = _form(wanzhou, primary_colour="#123456", banner_text="诚信万州　共建共享",
                 host_unit="重庆市万州区发展和改革委员会")  # fmt: skip

    response = admin_client.post(_page(wanzhou), form, follow=True)

    assert "万州区：已保存门户主题" in response.content.decode()
    with schema_context("wanzhou"):
        theme = Theme.objects.get()
    assert (theme.primary_colour, theme.banner_text) == ("#123456", "诚信万州　共建共享")
    with schema_context("kaizhou"):
        assert Theme.objects.get().primary_colour != "#123456"
    portal = client_for("wanzhou.localhost").get("/").content.decode()
    assert "#123456" in portal
    assert "主办单位：重庆市万州区发展和改革委员会" in portal
    assert "#123456" not in client_for("kaizhou.localhost").get("/").content.decode()

    entry = PlatformAuditEntry.objects.get(action="district.theme_update")
    assert (entry.actor_label, entry.district_schema) == ("root@operator.test", "wanzhou")
    assert entry.details == {"primary_colour": "#123456", "banner_text": "诚信万州　共建共享",
                             "host_unit": "重庆市万州区发展和改革委员会"}  # fmt: skip
    assert wording.sentence(entry.action, actor="运营员", district="万州区") == (
        "运营员修改了区县万州区的门户主题"
    )
    assert "主色：#123456" in wording.detail_lines(entry.action, entry.details)


@pytest.mark.django_db
def test_a_bad_colour_is_refused_in_chinese_and_nothing_is_saved(
    admin_client: Client, wanzhou: District
) -> None:
    response = admin_client.post(_page(wanzhou), _form(wanzhou, accent_colour="red"))

    assert response.status_code == 200
    assert response.context["form"].errors == {"accent_colour": ["颜色应为 #RRGGBB 形式"]}
    with schema_context("wanzhou"):
        assert Theme.objects.get().accent_colour != "red"
    assert not PlatformAuditEntry.objects.filter(action="district.theme_update").exists()


@pytest.mark.django_db
def test_an_unchanged_form_writes_no_audit_entry(admin_client: Client, wanzhou: District) -> None:
    admin_client.post(_page(wanzhou), _form(wanzhou))

    assert not PlatformAuditEntry.objects.filter(action="district.theme_update").exists()


@pytest.mark.django_db
def test_the_logo_is_checked_and_audited(admin_client: Client, wanzhou: District) -> None:
    refused = admin_client.post(
        _page(wanzhou),
        {"logo_upload": "1", "logo": SimpleUploadedFile("logo.pdf", b"%PDF-1.4\n% test\n")},
    )
    assert refused.status_code == 200
    assert refused.context["logo"].errors == {"logo": ["标志应为PNG或JPG图片"]}

    response = admin_client.post(
        _page(wanzhou),
        {"logo_upload": "1", "logo": SimpleUploadedFile("logo.png", PNG)},
        follow=True,
    )

    assert "万州区：已更换门户标志" in response.content.decode()
    with schema_context("wanzhou"):
        stored = Theme.objects.get().logo
    assert stored.startswith("theme/")
    assert stored.endswith(".png")
    entry = PlatformAuditEntry.objects.get(action="district.theme_logo_set")
    assert (entry.district_schema, entry.details) == ("wanzhou", {"logo": stored})


@pytest.mark.django_db
def test_only_the_operator_reaches_the_page(wanzhou: District, operator_client: Client) -> None:
    page = _page(wanzhou)
    assert client_for(OPERATOR_HOST).get(page).status_code == 302  # to the login page

    with schema_context("public"):
        someone = User.objects.create_user("someone@operator.test", "Someone-Pass-2026")
    not_staff = client_for(OPERATOR_HOST)
    not_staff.force_login(someone)
    assert not_staff.get(page).status_code == 302
    assert not_staff.post(page, _form(wanzhou, primary_colour="#000000")).status_code == 302

    # operator staff without the permission to change districts
    assert operator_client.get(page).status_code == 403
    assert operator_client.post(page, _form(wanzhou, primary_colour="#000000")).status_code == 403

    district_admin = make_staff("wanzhou", "theme-admin@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    assert signed_in(district_admin).get(page).status_code == 404  # no operator console there
    with schema_context("wanzhou"):
        assert Theme.objects.get().primary_colour != "#000000"
    assert not PlatformAuditEntry.objects.filter(action="district.theme_update").exists()


@pytest.mark.django_db
def test_the_service_takes_the_operator_or_a_district_admin_only(wanzhou: District) -> None:
    from core.common.actors import Actor, ActorKind
    from core.common.errors import PermissionDenied
    from core.content.services import ThemeChanges, theme_update

    clerk = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)
    district_actor = Actor(kind=ActorKind.USER, label="x@wanzhou.test", schema="wanzhou")
    with schema_context("wanzhou"):
        for actor in (clerk, district_actor):
            with pytest.raises(PermissionDenied):
                theme_update(actor=actor, changes=ThemeChanges(banner_text="不应保存"))
        assert Theme.objects.get().banner_text != "不应保存"
