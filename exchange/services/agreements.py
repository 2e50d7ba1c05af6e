"""Sharing agreements: the consumer's district admin proposes, the provider's accepts or declines,
either side or the operator revokes. Each change is audited in both districts and on the platform
in the same transaction; a transition takes the agreement's row lock first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.errors import Conflict, PermissionDenied, ValidationFailed
from core.common.tenancy import PUBLIC_SCHEMA, current_schema
from core.records.drafts import is_sealed
from exchange.enums import AgreementStatus, ExchangePurpose
from exchange.models import Agreement, AgreementItem
from exchange.permissions import AGREEMENT_MANAGE
from exchange.selectors import shareable_items
from exchange.status import agreement_status
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District

MAX_YEARS = 5
PURPOSE_LABELS = dict(ExchangePurpose.choices)


@dataclass(frozen=True)
class ScopeItem:
    """One catalogue item of the provider and the fields the consumer asks to receive."""

    item_code: str
    fields: Sequence[str]


def _district_admin(actor: User, district: District, what: str) -> Actor:
    """The actor, if they are a district admin working in `district`'s schema."""
    if current_schema() != district.schema_name:
        raise PermissionDenied(f"只有{district.name}的管理员可以{what}", code="FORBIDDEN")
    require(actor, AGREEMENT_MANAGE)
    return Actor.for_user(actor, schema=district.schema_name)


def _audit(agreement: Agreement, actor: Actor, action: str, **details: Any) -> None:
    """The same entry in the provider's and the consumer's audit log and on the platform."""
    data = {
        "agreement_id": agreement.pk,
        "provider": agreement.provider.schema_name,
        "consumer": agreement.consumer.schema_name,
        "by": actor.schema,
        **details,
    }
    for district in (agreement.consumer, agreement.provider):
        with schema_context(district.schema_name):
            audit_record(actor=actor, action=action, details=data)
    platform_audit_record(
        actor=actor, action=action, district_schema=agreement.provider.schema_name, details=data
    )


def _validated_scope(provider: District, items: Sequence[ScopeItem]) -> list[AgreementItem]:
    if not items:
        raise ValidationFailed("请至少选择一个共享的信息项", field="items")
    offered = {item.code: item for item in shareable_items(provider=provider)}
    scope: list[AgreementItem] = []
    seen: set[str] = set()
    for requested in items:
        item = offered.get(requested.item_code)
        if item is None:
            raise ValidationFailed(
                f"{provider.name}的目录中没有可共享的信息项“{requested.item_code}”", field="items"
            )
        if item.code in seen:
            raise ValidationFailed(f"信息项“{item.code} {item.name}”重复", field="items")
        seen.add(item.code)
        fields = list(dict.fromkeys(requested.fields))
        if not fields:
            raise ValidationFailed(
                f"请为信息项“{item.code} {item.name}”选择至少一个共享字段", field="items"
            )
        sealed = [f for f in fields if is_sealed(f)]
        if sealed:
            raise ValidationFailed(
                f"证件号码属于个人信息，不能共享：{'、'.join(sealed)}", field="items"
            )
        unknown = [f for f in fields if f not in item.fields]
        if unknown:
            raise ValidationFailed(
                f"信息项“{item.code} {item.name}”没有字段：{'、'.join(unknown)}", field="items"
            )
        ordered = [code for code in item.fields if code in fields]
        scope.append(AgreementItem(item_code=item.code, item_name=item.name, fields=ordered))
    return scope


def _validated_purposes(purposes: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(purposes))
    if not chosen:
        raise ValidationFailed("请至少选择一项共享用途", field="purposes")
    unknown = [p for p in chosen if p not in PURPOSE_LABELS]
    if unknown:
        raise ValidationFailed(f"未知的共享用途：{'、'.join(unknown)}", field="purposes")
    return [p.value for p in ExchangePurpose if p.value in chosen]


def agreement_propose(
    *, actor: User, consumer: District, provider: District, legal_basis: str,
    purposes: Sequence[str], items: Sequence[ScopeItem], valid_from: date, valid_until: date,
) -> Agreement:  # fmt: skip
    """The consumer's district admin proposes an agreement to the provider. Audited on both sides
    and on the platform."""
    who = _district_admin(actor, consumer, "提出共享协议")
    if provider.pk == consumer.pk:
        raise ValidationFailed("不能与本区县签订共享协议", field="provider")
    if provider.kind != DistrictKind.DISTRICT or provider.status != DistrictStatus.ACTIVE:
        raise ValidationFailed(f"{provider.name}平台当前不可用，不能提出共享协议", field="provider")
    basis = legal_basis.strip()
    if not basis:
        raise ValidationFailed("请填写共享依据（法律法规或文件名称及条款）", field="legal_basis")
    if len(basis) > 500:
        raise ValidationFailed("共享依据不能超过500字", field="legal_basis")
    chosen = _validated_purposes(purposes)
    today = timezone.localdate()
    if valid_until < valid_from:
        raise ValidationFailed("截止日期早于生效日期", field="valid_until")
    if valid_until < today:
        raise ValidationFailed("截止日期已过", field="valid_until")
    if (valid_until - valid_from).days >= 365 * MAX_YEARS + MAX_YEARS // 4 + 1:
        raise ValidationFailed(f"共享协议的期限不能超过{MAX_YEARS}年", field="valid_until")
    scope = _validated_scope(provider, items)
    with transaction.atomic():
        with schema_context(PUBLIC_SCHEMA):
            agreement = Agreement.objects.create(
                provider=provider, consumer=consumer, legal_basis=basis, purposes=chosen,
                valid_from=valid_from, valid_until=valid_until, proposed_by=who.label,
            )  # fmt: skip
            for item in scope:
                item.agreement = agreement
            AgreementItem.objects.bulk_create(scope)
        _audit(
            agreement, who, "exchange.agreement_proposed", purposes=chosen,
            items={i.item_code: i.fields for i in scope},
            valid_from=valid_from.isoformat(), valid_until=valid_until.isoformat(),
        )  # fmt: skip
    return agreement


def _locked(agreement: Agreement) -> Agreement:
    with schema_context(PUBLIC_SCHEMA):
        return (
            Agreement.objects.select_for_update(of=("self",))
            .select_related("provider", "consumer")
            .get(pk=agreement.pk)
        )


def _refuse_transition(agreement: Agreement, today: date, what: str) -> Conflict:
    status = agreement_status(agreement, today)
    return Conflict(
        f"共享协议 #{agreement.pk} 当前状态为“{status.label}”，不能{what}",
        code="INVALID_TRANSITION",
    )


def agreement_accept(*, actor: User, agreement: Agreement) -> Agreement:
    """The provider's district admin accepts a proposed agreement; it is active from its first
    day. Audited on both sides and on the platform."""
    who = _district_admin(actor, agreement.provider, "接受共享协议")
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked(agreement)
        if agreement_status(locked, today) != AgreementStatus.PROPOSED:
            raise _refuse_transition(locked, today, "接受")
        locked.status = AgreementStatus.ACCEPTED
        locked.decided_by, locked.decided_at = who.label, timezone.now()
        with schema_context(PUBLIC_SCHEMA):
            locked.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(locked, who, "exchange.agreement_accepted")
    return locked


def agreement_decline(*, actor: User, agreement: Agreement, reason: str) -> Agreement:
    """The provider's district admin declines a proposed agreement, with the reason."""
    who = _district_admin(actor, agreement.provider, "拒绝共享协议")
    text = reason.strip()
    if not text or len(text) > 300:
        raise ValidationFailed("请填写拒绝原因（不超过300字）", field="reason")
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked(agreement)
        if agreement_status(locked, today) != AgreementStatus.PROPOSED:
            raise _refuse_transition(locked, today, "拒绝")
        locked.status = AgreementStatus.DECLINED
        locked.decided_by, locked.decided_at, locked.decline_reason = (
            who.label,
            timezone.now(),
            text,
        )
        with schema_context(PUBLIC_SCHEMA):
            locked.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
        _audit(locked, who, "exchange.agreement_declined", reason=text)
    return locked


def _revoker(actor: User, agreement: Agreement) -> Actor:
    schema = current_schema()
    if schema == PUBLIC_SCHEMA:
        if not (actor.is_active and actor.is_staff):
            raise PermissionDenied("需要运营方职员权限", code="FORBIDDEN")
        return Actor.for_user(actor, schema=PUBLIC_SCHEMA)
    for side in (agreement.provider, agreement.consumer):
        if side.schema_name == schema:
            return _district_admin(actor, side, "撤销共享协议")
    raise PermissionDenied("只有协议双方的管理员或运营方可以撤销共享协议", code="FORBIDDEN")


def agreement_revoke(*, actor: User, agreement: Agreement, reason: str) -> Agreement:
    """Either side's district admin, or the operator, revokes an accepted agreement (before or
    during its term). The very next request under it is refused."""
    who = _revoker(actor, agreement)
    text = reason.strip()
    if not text or len(text) > 300:
        raise ValidationFailed("请填写撤销原因（不超过300字）", field="reason")
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked(agreement)
        if agreement_status(locked, today) not in (
            AgreementStatus.ACCEPTED,
            AgreementStatus.ACTIVE,
        ):
            raise _refuse_transition(locked, today, "撤销")
        locked.status = AgreementStatus.REVOKED
        locked.revoked_by, locked.revoked_at, locked.revoke_reason = who.label, timezone.now(), text
        with schema_context(PUBLIC_SCHEMA):
            locked.save(update_fields=["status", "revoked_by", "revoked_at", "revoke_reason"])
        _audit(locked, who, "exchange.agreement_revoked", reason=text)
    return locked
