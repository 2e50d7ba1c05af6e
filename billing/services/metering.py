"""The metered call: scope → (caller checks consent and purpose) → quota, wallet or package under
the contract's row lock → the product is served → the usage event, its rollup and the balance
change, all in one transaction with the caller's idempotency key.

A retry with the same key is answered from the ledger and charged nothing; a failure while serving
rolls everything back, so it charges nothing; nothing is served past a hard cap."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from billing.enums import BillingMode, EntryKind, PricingModel
from billing.lock_objects import contract_for_update, packages_for_update
from billing.models import ApiKey, Contract, Price, UsageEvent, UsageRollup
from billing.money import month_start
from billing.pricing import price_effective
from billing.selectors import MonthUsage, contract_active, month_usage, package_units
from billing.services.keys import key_environment_check
from billing.services.notices import notices_raise
from core.common.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from core.common.tenancy import current_schema
from core.ops.metrics import metered_call_count
from tenants.models import District

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{8,64}$")


class QuotaExceeded(ApplicationError):
    code = "QUOTA_EXCEEDED"


@dataclass(frozen=True)
class Served:
    """What the product handed out: a reference (report number …) and the replayable answer."""

    reference: str
    response: dict[str, Any]
    subject: str = ""  # who the call was about, masked (persons), for the per-call list


@dataclass(frozen=True)
class Charge:
    product: str
    units: int
    amount_yuan: Decimal
    replayed: bool
    reference: str
    response: dict[str, Any]
    remaining_units: int | None = None
    remaining_yuan: Decimal | None = None
    wallet_balance_yuan: Decimal | None = None
    package_units_remaining: int | None = None
    notices: list[int] = field(default_factory=list)


def fingerprint(**params: Any) -> str:
    """The call's parameters, hashed: a key reused for a different call is refused."""
    return hashlib.sha256(
        json.dumps(params, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


@dataclass(frozen=True)
class Authorised:
    contract: Contract
    replay: Charge | None  # the earlier answer to this call's idempotency key, if there is one


def call_authorise(
    *, key: ApiKey, district: District, product: str, today: date, idempotency_key: str,
    params: str,
) -> Authorised:  # fmt: skip
    """The key may call this product in this district and the customer has a contract for it;
    and the earlier answer, if this idempotency key was used before (found by the same query)."""
    if product not in key.products:
        raise PermissionDenied("该密钥无权调用此产品", code="OUT_OF_SCOPE")
    _idempotency_key_check(idempotency_key)
    contract = call_authorise_any(
        key=key, district=district, today=today, idempotency_key=idempotency_key
    )
    if product not in contract.products:
        raise PermissionDenied("合同不包括此产品", code="OUT_OF_SCOPE")
    earlier: int | None = getattr(contract, "earlier_event_id", None)
    return Authorised(
        contract=contract,
        replay=None if earlier is None else charge_replayed(contract, idempotency_key, params),
    )


def call_authorise_any(
    *, key: ApiKey, district: District, today: date, idempotency_key: str = ""
) -> Contract:
    """The key may be used in this district (a sandbox key only in the sandbox, a live key only in
    real districts) and the customer has a contract here."""
    key_environment_check(key, district)
    if district.schema_name not in key.districts:
        raise PermissionDenied(f"该密钥无权调用{district.name}的接口", code="OUT_OF_SCOPE")
    contract = contract_active(key.customer_id, district.pk, today, idempotency_key=idempotency_key)
    if contract is None:
        raise PermissionDenied(f"贵机构在{district.name}没有有效合同", code="NO_CONTRACT")
    return contract


def _idempotency_key_check(idempotency_key: str) -> None:
    if not IDEMPOTENCY_KEY.match(idempotency_key or ""):
        raise ValidationFailed(
            "幂等键应为8–64位字母、数字或 _ . : -，每次新调用使用新值，重试时沿用原值",
            field="idempotencyKey",
        )


def metered_call(
    *,
    key: ApiKey | None,
    contract: Contract,
    product: str,
    idempotency_key: str,
    params: str,
    units: int,
    serve: Callable[[], Served],
) -> Charge:
    """Charge `units` of `product` and serve it, exactly once per idempotency key. `key` is the
    institution's credential; None for the platform's own charges (monthly renewals).

    The caller has already answered a key it found used (`call_authorise`). A retry that races
    the first call with the same key waits on the contract lock; the ledger's unique
    (contract, idempotency key) constraint then stops it, everything it did rolls back and it is
    answered from the ledger. The same lookup runs when a limit refuses a call, since the first
    call may have used up the cap its retry is checked against."""
    _idempotency_key_check(idempotency_key)
    if units < 1:
        raise ValidationFailed("调用数量应至少为1", field="units")
    today = timezone.localdate()
    try:
        return _charge_locked(key=key, contract=contract, product=product, idempotency_key=idempotency_key,
                              params=params, units=units, serve=serve, today=today)  # fmt: skip
    except (QuotaExceeded, IntegrityError) as error:
        if isinstance(error, IntegrityError) and not _is_idempotency_clash(error):
            raise
        replay = charge_replayed(contract, idempotency_key, params)
        if replay is None:
            raise
        return replay


def _is_idempotency_clash(error: IntegrityError) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") == "usage_idempotency_unique"


def _charge_locked(
    *, key: ApiKey | None, contract: Contract, product: str, idempotency_key: str, params: str,
    units: int, serve: Callable[[], Served], today: date,
) -> Charge:  # fmt: skip
    now = timezone.now()
    with transaction.atomic():
        locked = contract_for_update(contract.pk)
        # The price is resolved under the lock: a contract price set concurrently (it takes the
        # same lock) applies to a call either wholly or not at all.
        effective = price_effective(locked, product, today)
        if effective is None:
            raise PermissionDenied("该产品在本区县尚未定价，暂不可购买", code="NOT_FOR_SALE")
        price = effective.price
        used = month_usage(locked.pk, today)
        amount = effective.cost(used=used.by_product.get(product, 0), units=units)
        _check_limits(locked, price, used, units, amount)
        served = serve()
        event = UsageEvent.objects.create(
            contract=locked, customer_id=locked.customer_id, district_id=locked.district_id,
            product=price.product, api_key=key, kind=EntryKind.CHARGE,
            idempotency_key=idempotency_key, fingerprint=params, units=units, amount_yuan=amount,
            period=month_start(today), occurred_at=now, reference=served.reference,
            response=served.response, subject=served.subject,
            recorded_by=f"api:{key.prefix}" if key is not None else "system:renewal",
            from_package=price.model == PricingModel.PACKAGE,
        )  # fmt: skip
        _booked(
            locked,
            price,
            product,
            today,
            units,
            amount,
            packaged=price.model == PricingModel.PACKAGE,
        )
        after = MonthUsage(units=used.units + units, amount_yuan=used.amount_yuan + amount,
                           by_product={})  # fmt: skip
        notices = notices_raise(contract=locked, before=used, after=after, today=today)
        return _charge(locked, event, replayed=False, usage=after, notices=notices,
                       packaged=price.model == PricingModel.PACKAGE)  # fmt: skip


@dataclass(frozen=True)
class RowCall:
    """One row of a chunk metered together (a bulk job's row): one unit, its own key."""

    idempotency_key: str
    params: str
    reference: str
    subject: str
    response: dict[str, Any]


@dataclass(frozen=True)
class RowsCharged:
    charged: list[int]  # indexes into the calls charged now
    replayed: list[int]  # indexes charged by an earlier run (same key, same parameters)
    amount_yuan: Decimal  # what was charged now
    stopped: str = ""  # the message of the limit that stopped the chunk, if one did
    stopped_at: int | None = None  # index of the first call not charged (a limit)


def metered_rows(
    *, key: ApiKey | None, contract: Contract, product: str, calls: list[RowCall],
    serve: Callable[[list[int]], None], recorded_by: str,
) -> RowsCharged:  # fmt: skip
    """Charge a chunk of one-unit calls under one acquisition of the contract lock, each with its
    own idempotency key, exactly as `metered_call` would one after the other: a key already in the
    ledger is not charged again (a different call with it is refused), each call is priced after
    the ones before it (graduated tiers), and the first call a limit refuses stops the chunk — it
    and every call after it are left uncharged and unserved (`stopped`). `serve(indexes)` is given
    the calls charged now, inside the transaction: anything it raises rolls the chunk back."""
    # The keys are the platform's own (`job:<id>:<row>`, which may be shorter than the 8
    # characters asked of callers' keys); they are unique per contract all the same.
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        locked = contract_for_update(contract.pk)
        effective = price_effective(locked, product, today)
        if effective is None:
            raise PermissionDenied("该产品在本区县尚未定价，暂不可购买", code="NOT_FOR_SALE")
        price = effective.price
        earlier = dict(
            UsageEvent.objects.filter(
                contract=locked, idempotency_key__in=[c.idempotency_key for c in calls]
            ).values_list("idempotency_key", "fingerprint")
        )
        used = month_usage(locked.pk, today)
        packaged = price.model == PricingModel.PACKAGE
        left = package_units(locked.pk).get(price.product.code, 0) if packaged else None
        by_product = used.by_product.get(product, 0)
        units, amount = 0, Decimal("0.00")
        charged: list[int] = []
        replayed: list[int] = []
        costs: list[Decimal] = []
        stopped, stopped_at = "", None
        for index, call in enumerate(calls):
            if call.idempotency_key in earlier:
                if earlier[call.idempotency_key] != call.params:
                    raise Conflict(
                        "该幂等键已用于另一次不同参数的调用；新调用请使用新的幂等键",
                        code="IDEMPOTENCY_KEY_REUSED", field="idempotencyKey",
                    )  # fmt: skip
                replayed.append(index)
                continue
            if stopped_at is not None:
                continue
            cost = effective.cost(used=by_product + units, units=1)
            so_far = MonthUsage(units=used.units + units, amount_yuan=used.amount_yuan + amount,
                                by_product={})  # fmt: skip
            try:
                _check_limits(locked, price, so_far, 1, cost,
                              package_left=None if left is None else left - units)  # fmt: skip
            except QuotaExceeded as refused:
                stopped, stopped_at = refused.message, index
                continue
            charged.append(index)
            costs.append(cost)
            units += 1
            amount += cost
            if locked.mode == BillingMode.PREPAID:
                locked.wallet_balance_yuan -= cost  # the next call's wallet check sees it
        if not charged:
            return RowsCharged(charged, replayed, amount, stopped, stopped_at)
        serve(charged)
        UsageEvent.objects.bulk_create(
            [UsageEvent(
                contract=locked, customer_id=locked.customer_id, district_id=locked.district_id,
                product=price.product, api_key=key, kind=EntryKind.CHARGE,
                idempotency_key=calls[i].idempotency_key, fingerprint=calls[i].params, units=1,
                amount_yuan=cost, period=month_start(today), occurred_at=now,
                reference=calls[i].reference, response=calls[i].response,
                subject=calls[i].subject, recorded_by=recorded_by, from_package=packaged,
            ) for i, cost in zip(charged, costs, strict=True)],
            batch_size=1000,
        )  # fmt: skip
        _booked(locked, price, product, today, units, amount, packaged=packaged)
        after = MonthUsage(units=used.units + units, amount_yuan=used.amount_yuan + amount,
                           by_product={})  # fmt: skip
        notices_raise(contract=locked, before=used, after=after, today=today)
    return RowsCharged(charged, replayed, amount, stopped, stopped_at)


def _booked(
    locked: Contract,
    price: Price,
    product: str,
    today: date,
    units: int,
    amount: Decimal,
    *,
    packaged: bool,
) -> None:
    """What follows the ledger rows of a charge, under the contract lock: the month's rollup, the
    metrics counter, the package's units and the prepaid wallet."""
    rollup_add(locked, price.product_id, today, units, amount)
    schema = current_schema()
    label = (
        schema if schema != "public" else District.objects.get(pk=locked.district_id).schema_name
    )
    transaction.on_commit(lambda: metered_call_count(district=label, product=product, units=units))
    if packaged:
        packages_for_update(locked.pk).filter(product=price.product).update(
            units_remaining=F("units_remaining") - units
        )
    if locked.mode == BillingMode.PREPAID and amount:
        Contract.objects.filter(pk=locked.pk).update(
            wallet_balance_yuan=F("wallet_balance_yuan") - amount
        )
        locked.wallet_balance_yuan -= amount  # the row is locked: no need to read it back


def charge_replayed(contract: Contract, idempotency_key: str, params: str) -> Charge | None:
    """The earlier answer to this idempotency key, if any (a different call with it is refused)."""
    event = (
        UsageEvent.objects.select_related("product")
        .filter(contract=contract, idempotency_key=idempotency_key)
        .first()
    )
    if event is None:
        return None
    if event.fingerprint != params:
        raise Conflict(
            "该幂等键已用于另一次不同参数的调用；新调用请使用新的幂等键",
            code="IDEMPOTENCY_KEY_REUSED", field="idempotencyKey",
        )  # fmt: skip
    contract.refresh_from_db(fields=["wallet_balance_yuan"])
    return _charge(
        contract, event, replayed=True, usage=month_usage(contract.pk, timezone.localdate())
    )


def _check_limits(
    contract: Contract, price: Price, used: MonthUsage, units: int, amount: Decimal,
    package_left: int | None = None,
) -> None:  # fmt: skip
    cap_units, cap_yuan = contract.monthly_cap_units, contract.monthly_cap_yuan
    if cap_units is not None and used.units + units > cap_units:
        raise QuotaExceeded(
            f"已达本月调用上限：上限{cap_units}次，已用{used.units}次，本次需{units}次；"
            "下月1日恢复，或请联系运营方调整合同"
        )
    if cap_yuan is not None and used.amount_yuan + amount > cap_yuan:
        raise QuotaExceeded(
            f"已达本月金额上限：上限{cap_yuan}元，已用{used.amount_yuan}元，本次需{amount}元"
        )
    if price.model == PricingModel.PACKAGE:
        left = (
            package_units(contract.pk).get(price.product.code, 0)
            if package_left is None
            else package_left
        )
        if left < units:
            raise QuotaExceeded(
                f"预付套餐余量不足：剩余{left}{price.product.unit}，本次需{units}{price.product.unit}",
                code="PACKAGE_EXHAUSTED",
            )
    if contract.mode == BillingMode.PREPAID and contract.wallet_balance_yuan < amount:
        raise QuotaExceeded(
            f"预付余额不足：余额{contract.wallet_balance_yuan}元，本次需{amount}元",
            code="WALLET_INSUFFICIENT",
        )


def rollup_add(contract: Contract, product_id: int, day: date, units: int, amount: Decimal) -> None:
    """Add to the day's rollup row (one statement, safe under concurrent writers)."""
    table = UsageRollup._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO public.{table} "
            "(contract_id, customer_id, district_id, product_id, day, units, amount_yuan) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (contract_id, product_id, day) DO UPDATE SET "
            "units = EXCLUDED.units + public.{t}.units, "
            "amount_yuan = EXCLUDED.amount_yuan + public.{t}.amount_yuan".replace("{t}", table),
            [
                contract.pk,
                contract.customer_id,
                contract.district_id,
                product_id,
                day,
                units,
                amount,
            ],
        )


def _charge(
    contract: Contract, event: UsageEvent, *, replayed: bool, usage: MonthUsage,
    notices: list[int] | None = None, packaged: bool = True,
) -> Charge:  # fmt: skip
    packages = package_units(contract.pk) if packaged else {}
    return Charge(
        product=event.product.code, units=event.units, amount_yuan=event.amount_yuan,
        replayed=replayed, reference=event.reference, response=event.response,
        remaining_units=None if contract.monthly_cap_units is None
        else max(0, contract.monthly_cap_units - usage.units),
        remaining_yuan=None if contract.monthly_cap_yuan is None
        else max(Decimal("0.00"), contract.monthly_cap_yuan - usage.amount_yuan),
        wallet_balance_yuan=contract.wallet_balance_yuan if contract.mode == BillingMode.PREPAID else None,
        package_units_remaining=packages.get(event.product.code),
        notices=notices or [],
    )  # fmt: skip
