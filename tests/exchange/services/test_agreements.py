"""Agreements: proposed by the consumer's admin, accepted or declined by the provider's, revoked
by either side or the operator; every change audited in both districts and on the platform."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.common.errors import Conflict, PermissionDenied, ValidationFailed
from exchange.enums import AgreementStatus
from exchange.services.agreements import agreement_accept, agreement_decline, agreement_revoke
from exchange.status import agreement_status
from tenants.models import District, PlatformAuditEntry
from tests.conftest import make_staff
from tests.exchange.conftest import FINE, PENALTY, PENALTY_WITHOUT_FINE, accept, propose


def _actions(schema: str) -> list[str]:
    with schema_context(schema):
        return list(
            AuditEntry.objects.filter(action__startswith="exchange.agreement")
            .order_by("id")
            .values_list("action", flat=True)
        )


def test_propose_accept_revoke_is_audited_on_both_sides(
    kaizhou: District, wanzhou: District, kaizhou_admin: User, wanzhou_admin: User,
    operator_user: User,
) -> None:  # fmt: skip
    agreement = propose(kaizhou_admin, kaizhou, wanzhou)

    assert agreement_status(agreement, timezone.localdate()) == AgreementStatus.PROPOSED
    assert list(agreement.items.values_list("item_code", "item_name")) == [
        (PENALTY, "行政处罚信息")
    ]
    assert FINE not in agreement.items.get().fields
    assert agreement.items.get().fields == PENALTY_WITHOUT_FINE

    accepted = accept(wanzhou_admin, agreement)
    assert agreement_status(accepted, timezone.localdate()) == AgreementStatus.ACTIVE
    assert accepted.decided_by == "admin@wanzhou.test"

    with schema_context("wanzhou"):
        revoked = agreement_revoke(actor=wanzhou_admin, agreement=accepted, reason="数据口径调整")
    assert agreement_status(revoked, timezone.localdate()) == AgreementStatus.REVOKED

    expected = ["exchange.agreement_proposed", "exchange.agreement_accepted",
                "exchange.agreement_revoked"]  # fmt: skip
    assert _actions("kaizhou") == expected
    assert _actions("wanzhou") == expected
    assert list(
        PlatformAuditEntry.objects.filter(action__startswith="exchange.agreement")
        .order_by("id")
        .values_list("action", "district_schema")
    ) == [(a, "wanzhou") for a in expected]
    with schema_context("wanzhou"):
        last = AuditEntry.objects.filter(action="exchange.agreement_revoked").get()
    assert (last.actor_label, last.details["by"], last.details["reason"]) == (
        "admin@wanzhou.test", "wanzhou", "数据口径调整",
    )  # fmt: skip


def test_only_the_providers_admin_decides(
    kaizhou: District, wanzhou: District, kaizhou_admin: User, wanzhou_admin: User
) -> None:
    agreement = propose(kaizhou_admin, kaizhou, wanzhou)
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)

    with (
        schema_context("kaizhou"),
        pytest.raises(PermissionDenied, match="只有万州区的管理员可以接受共享协议"),
    ):
        agreement_accept(actor=kaizhou_admin, agreement=agreement)
    with pytest.raises(PermissionDenied, match="此操作需要以下角色之一：区县管理员"):
        accept(reviewer, agreement)
    with schema_context("wanzhou"):
        declined = agreement_decline(actor=wanzhou_admin, agreement=agreement, reason="无共享依据")
    assert (declined.status, declined.decline_reason) == ("declined", "无共享依据")
    with pytest.raises(Conflict, match="当前状态为“已拒绝”，不能接受") as refused:
        accept(wanzhou_admin, agreement)
    assert refused.value.code == "INVALID_TRANSITION"


def test_the_operator_may_revoke(
    kaizhou: District, wanzhou: District, kaizhou_admin: User, wanzhou_admin: User,
    operator_user: User,
) -> None:  # fmt: skip
    agreement = accept(wanzhou_admin, propose(kaizhou_admin, kaizhou, wanzhou))

    revoked = agreement_revoke(actor=operator_user, agreement=agreement, reason="上级通知暂停")

    assert (revoked.status, revoked.revoked_by) == ("revoked", "ops@operator.test")
    assert _actions("kaizhou")[-1] == "exchange.agreement_revoked"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"items": {"N99-99": ["CF_WSH"]}}, "万州区的目录中没有可共享的信息项“N99-99”"),
        ({"items": {PENALTY: []}}, "请为信息项“N03-02 行政处罚信息”选择至少一个共享字段"),
        ({"items": {PENALTY: ["CF_WSH", "XK_XKBH"]}}, "信息项“N03-02 行政处罚信息”没有字段：XK_XKBH"),
        ({"items": {PENALTY: ["CF_WSH", "CF_FR_ZJHM"]}}, "证件号码属于个人信息，不能共享：CF_FR_ZJHM"),
        ({"purposes": []}, "请至少选择一项共享用途"),
        ({"purposes": ["marketing"]}, "未知的共享用途：marketing"),
        ({"valid_until": timezone.localdate() - timedelta(days=1),
          "valid_from": timezone.localdate() - timedelta(days=30)}, "截止日期已过"),
        ({"valid_until": timezone.localdate() + timedelta(days=6 * 365)}, "共享协议的期限不能超过5年"),
    ],
)  # fmt: skip
def test_a_bad_proposal_is_refused_with_its_reason(
    kaizhou: District, wanzhou: District, kaizhou_admin: User, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        propose(kaizhou_admin, kaizhou, wanzhou, **changes)

    assert _actions("kaizhou") == []


def test_a_district_cannot_share_with_itself(kaizhou: District, kaizhou_admin: User) -> None:
    with pytest.raises(ValidationFailed, match="不能与本区县签订共享协议"):
        propose(kaizhou_admin, kaizhou, kaizhou)
