"""The operator console lists sharing agreements with their derived status and scope, and the
operator revokes one with a reason; nothing there adds, edits or deletes an agreement."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from exchange.enums import AgreementStatus
from exchange.status import agreement_status
from tenants.models import District
from tests.conftest import OPERATOR_HOST, client_for
from tests.exchange.conftest import accept, propose


def signed_in(operator_user: User) -> Client:
    """The operator's staff member, given the console's permissions on agreements."""
    with schema_context("public"):
        operator_user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="exchange", codename__endswith="_agreement"
            )
        )
    client = client_for(OPERATOR_HOST)
    client.force_login(operator_user)
    return client


def test_the_operator_sees_an_agreement_and_revokes_it_with_a_reason(
    kaizhou: District, wanzhou: District, kaizhou_admin: User, wanzhou_admin: User,
    operator_user: User,
) -> None:  # fmt: skip
    agreement = accept(wanzhou_admin, propose(kaizhou_admin, kaizhou, wanzhou))
    console = signed_in(operator_user)

    listing = console.get("/admin/exchange/agreement/").content.decode()
    page = console.get(f"/admin/exchange/agreement/{agreement.pk}/change/").content.decode()
    missing = console.post(f"/admin/exchange/agreement/{agreement.pk}/revoke/", {"reason": ""})
    revoked = console.post(f"/admin/exchange/agreement/{agreement.pk}/revoke/",
                           {"reason": "上级通知暂停共享"}, follow=True)  # fmt: skip

    assert tuple(w for w in ("开州区", "万州区", "生效中") if w in listing) == (
        "开州区",
        "万州区",
        "生效中",
    )
    assert "行政处罚信息（N03-02）" in page
    assert "CF_NR_FK" not in page
    assert missing.context["form"].errors == {"reason": ["这个字段是必填项。"]}
    assert "已撤销共享协议：开州区使用万州区的数据" in revoked.content.decode()
    agreement.refresh_from_db()
    assert agreement_status(agreement, timezone.localdate()) == AgreementStatus.REVOKED
    assert (agreement.revoked_by, agreement.revoke_reason) == (
        "ops@operator.test",
        "上级通知暂停共享",
    )


def test_agreements_cannot_be_added_changed_or_deleted_in_the_console(
    kaizhou: District, wanzhou: District, kaizhou_admin: User, operator_user: User,
) -> None:  # fmt: skip
    agreement = propose(kaizhou_admin, kaizhou, wanzhou)
    console = signed_in(operator_user)

    assert console.get("/admin/exchange/agreement/add/").status_code == 403
    assert (
        console.post(
            f"/admin/exchange/agreement/{agreement.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        'name="_save"'
        not in console.get(f"/admin/exchange/agreement/{agreement.pk}/change/").content.decode()
    )
