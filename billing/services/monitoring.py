"""信用监测订阅: an institution monitors organisations in a district and reads a feed of changes to
their credit records. A subscription is charged one unit (元/户·月) for the month it starts in,
through the metered call (cap, wallet, idempotency key), and renewed at the start of each month by
a daily task; a renewal the contract cannot pay ends the subscriptions it was for, with the reason.
Ending a subscription refunds nothing: the month is paid."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from billing.enums import ContractStatus, ProductCode
from billing.models import ApiKey, Contract, MonitoringSubscription
from billing.money import month_start
from billing.services.keys import rate_limit_take
from billing.services.metering import (
    Charge,
    Served,
    call_authorise,
    call_authorise_any,
    fingerprint,
    metered_call,
)
from core.common.actors import Actor
from core.common.errors import ApplicationError, Conflict, ValidationFailed
from core.common.identifiers import normalise
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject
from tenants.audit import platform_audit_record
from tenants.models import District

MAX_SUBJECTS = 100


@dataclass(frozen=True)
class Subscribed:
    subscribed: list[str]  # codes newly monitored, charged
    already: list[str]  # codes this contract already monitors, not charged
    not_found: list[str]  # no organisation with this code here, not charged
    charge: Charge


def _codes(subject_codes: list[str]) -> list[str]:
    codes = [normalise(c) for c in subject_codes]
    if not 1 <= len(codes) <= MAX_SUBJECTS:
        raise ValidationFailed(
            f"一次可提交1到{MAX_SUBJECTS}个统一社会信用代码", field="subjectCodes"
        )
    if len(set(codes)) != len(codes):
        raise ValidationFailed("统一社会信用代码有重复", field="subjectCodes")
    return codes


def monitoring_subscribe(
    *, key: ApiKey, district: District, subject_codes: list[str], idempotency_key: str
) -> Subscribed:
    """Start monitoring organisations (in the district schema: subjects are looked up here)."""
    codes = _codes(subject_codes)
    rate_limit_take(key)
    today = timezone.localdate()
    params = fingerprint(product=ProductCode.MONITORING, subjects=codes)
    authorised = call_authorise(key=key, district=district, product=ProductCode.MONITORING,
                                today=today, idempotency_key=idempotency_key, params=params)  # fmt: skip
    if (earlier := authorised.replay) is not None:
        return _subscribed(earlier)
    contract = authorised.contract
    names = dict(
        Subject.objects.filter(uscc__in=codes)
        .exclude(kind=SubjectKind.NATURAL)
        .values_list("uscc", "name")
    )
    active = set(
        MonitoringSubscription.objects.filter(
            contract=contract, subject_code__in=codes, ended_at__isnull=True
        ).values_list("subject_code", flat=True)
    )
    new = [c for c in codes if c in names and c not in active]
    if not new:
        raise Conflict(
            "所列代码均已在监测中或在本平台没有法人或非法人组织的信用信息，未计费",
            field="subjectCodes",
        )

    def serve() -> Served:
        now = timezone.now()
        MonitoringSubscription.objects.bulk_create(
            MonitoringSubscription(contract=contract, customer_id=contract.customer_id,
                                   district_id=contract.district_id, subject_code=code,
                                   subject_name=names[code], created_at=now,
                                   charged_through=month_start(today))
            for code in new
        )  # fmt: skip
        return Served(reference=f"监测{len(new)}户", subject="、".join(f"{names[c]}（{c}）" for c in new), response={
            "subscribed": new, "already": [c for c in codes if c in active],
            "notFound": [c for c in codes if c not in names]})  # fmt: skip

    charge = metered_call(key=key, contract=contract, product=ProductCode.MONITORING,
                          idempotency_key=idempotency_key, params=params, units=len(new),
                          serve=serve)  # fmt: skip
    return _subscribed(charge)


def _subscribed(charge: Charge) -> Subscribed:
    answer = charge.response
    return Subscribed(subscribed=answer["subscribed"], already=answer["already"],
                      not_found=answer["notFound"], charge=charge)  # fmt: skip


def monitoring_unsubscribe(
    *, key: ApiKey, district: District, subject_codes: list[str]
) -> list[str]:
    """Stop monitoring; returns the codes that were being monitored. The month is not refunded."""
    codes = _codes(subject_codes)
    rate_limit_take(key)
    contract = call_authorise_any(key=key, district=district, today=timezone.localdate())
    with transaction.atomic():
        ended = list(
            MonitoringSubscription.objects.select_for_update()
            .filter(contract=contract, subject_code__in=codes, ended_at__isnull=True)
            .values_list("subject_code", flat=True)
        )
        MonitoringSubscription.objects.filter(
            contract=contract, subject_code__in=ended, ended_at__isnull=True
        ).update(ended_at=timezone.now(), end_reason="机构退订")
    return [c for c in codes if c in ended]


def monitoring_renew_due(*, actor: Actor, today: date) -> dict[str, int]:
    """Charge this month for every active subscription not yet charged for it, one ledger entry
    per contract (idempotency key `monitoring-YYYY-MM`, so a rerun charges nothing twice).
    A contract that cannot pay (cap, wallet, ended contract) ends those subscriptions."""
    month = month_start(today)
    due: dict[int, list[int]] = defaultdict(list)
    for sub_id, contract_id in MonitoringSubscription.objects.filter(
        ended_at__isnull=True, charged_through__lt=month
    ).values_list("pk", "contract_id"):
        due[contract_id].append(sub_id)
    outcome = {"renewed": 0, "ended": 0}
    for contract in Contract.objects.filter(pk__in=due).select_related("district"):
        ids = due[contract.pk]
        try:
            if contract.status != ContractStatus.ACTIVE or (
                contract.valid_until is not None and contract.valid_until < today
            ):
                raise ValidationFailed("合同已不在有效期内", field="contract")

            def serve(ids: list[int] = ids) -> Served:
                MonitoringSubscription.objects.filter(pk__in=ids).update(charged_through=month)
                return Served(reference=f"监测续订{len(ids)}户", response={"renewed": ids})

            metered_call(key=None, contract=contract, product=ProductCode.MONITORING,
                         idempotency_key=f"monitoring-{month:%Y-%m}",
                         params=fingerprint(renewal=f"{month:%Y-%m}"), units=len(ids), serve=serve)  # fmt: skip
            outcome["renewed"] += len(ids)
        except ApplicationError as exc:
            with transaction.atomic():
                MonitoringSubscription.objects.filter(pk__in=ids, ended_at__isnull=True).update(
                    ended_at=timezone.now(), end_reason=f"{month:%Y年%m月}续订未成功：{exc.message}"
                )
                platform_audit_record(actor=actor, action="billing.monitoring_renewal_failed",
                                      district_schema=contract.district.schema_name,
                                      details={"contract": contract.number, "subscriptions": ids,
                                               "reason": exc.message})  # fmt: skip
            outcome["ended"] += len(ids)
    return outcome
