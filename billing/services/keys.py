"""Institutions' API keys: shown once, stored as SHA-256, scoped to products and districts, with
expiry, rotation, revocation and an optional source-address allow-list; and the per-key rate limit."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from billing.enums import ContractStatus, ProductCode
from billing.models import ApiKey, Contract, Customer
from core.common.actors import Actor
from core.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from core.common.softcache import CACHE_ERRORS
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind
from tenants.models import District

KEY_PREFIX = "ck_"
# The developers' sandbox's keys (billing/services/sandbox.py); a live key never starts so.
SANDBOX_KEY_PREFIX = "ck_test_"
MAX_VALIDITY_DAYS = 3 * 366


class RateLimited(ApplicationError):
    code = "RATE_LIMITED"

    def __init__(self, retry_after: int, message: str = "") -> None:
        super().__init__(
            message or f"调用过于频繁：每分钟调用次数已达上限，请 {retry_after} 秒后重试"
        )
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, object]:
        return {"code": self.code, "retryAfter": self.retry_after}


@dataclass(frozen=True)
class KeyScope:
    name: str
    products: list[str]
    districts: list[str]  # schema names
    expires_at: datetime
    allowed_ips: list[str]
    rate_per_minute: int = 60


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scope_clean(scope: KeyScope) -> KeyScope:
    if not scope.products or any(p not in ProductCode.values for p in scope.products):
        raise ValidationFailed("请选择密钥可调用的产品", field="products")
    known = set(
        District.objects.filter(schema_name__in=scope.districts, kind="district").values_list(
            "schema_name", flat=True
        )
    )
    unknown = sorted(set(scope.districts) - known)
    if not scope.districts or unknown:
        raise ValidationFailed(f"区县范围有误：{'、'.join(unknown) or '未选择'}", field="districts")
    now = timezone.now()
    if not now < scope.expires_at <= now + timedelta(days=MAX_VALIDITY_DAYS):
        raise ValidationFailed("过期时间应在今后三年之内", field="expires_at")
    for network in scope.allowed_ips:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValidationFailed(
                f"“{network}”不是有效的地址或网段", field="allowed_ips"
            ) from None
    if not 1 <= scope.rate_per_minute <= 6000:
        raise ValidationFailed("每分钟调用上限应在1到6000之间", field="rate_per_minute")
    return KeyScope(
        name=scope.name.strip()[:100] or "接口密钥", products=sorted(set(scope.products)),
        districts=sorted(set(scope.districts)), expires_at=scope.expires_at,
        allowed_ips=[str(ipaddress.ip_network(n, strict=False)) for n in scope.allowed_ips],
        rate_per_minute=scope.rate_per_minute,
    )  # fmt: skip


def _active_keys(customer: Customer) -> QuerySet[ApiKey]:
    """The customer's live keys in force (sandbox keys have their own limit)."""
    return ApiKey.objects.filter(
        customer=customer, sandbox=False, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def key_limits_check(
    customer: Customer, scope: KeyScope, *, replacing: ApiKey | None = None
) -> None:
    """A key the institution issues itself stays within what the operator allows it: at most
    `keys_self_service_max` active keys (the key being rotated away not counted), products and
    districts covered by its contracts in force, a rate no higher than `keys_rate_ceiling`, and an
    expiry no later than the end of those contracts. Raises with the reason in Chinese."""
    if customer.keys_self_service_max == 0:
        raise PermissionDenied(
            "运营方尚未允许贵机构自助管理接口密钥，请联系运营方", code="SELF_SERVICE_DISABLED"
        )
    active = _active_keys(customer)
    if replacing is not None:
        active = active.exclude(pk=replacing.pk)
    if active.count() >= customer.keys_self_service_max:
        raise ValidationFailed(
            f"贵机构的有效密钥已达运营方设定的上限{customer.keys_self_service_max}个，"
            "请先吊销不再使用的密钥",
            field="name",
        )
    if scope.rate_per_minute > customer.keys_rate_ceiling:
        raise ValidationFailed(
            f"每分钟调用上限不能超过运营方设定的{customer.keys_rate_ceiling}次",
            field="rate_per_minute",
        )
    today = timezone.localdate()
    contracts = {
        c.district.schema_name: c
        for c in Contract.objects.select_related("district").filter(
            customer=customer, status=ContractStatus.ACTIVE, valid_from__lte=today,
        ).exclude(valid_until__lt=today)
    }  # fmt: skip
    for schema in scope.districts:
        contract = contracts.get(schema)
        if contract is None:
            name = (
                District.objects.filter(schema_name=schema).values_list("name", flat=True).first()
            )
            raise ValidationFailed(f"贵机构在{name or schema}没有有效合同", field="districts")
        outside = [p for p in scope.products if p not in contract.products]
        if outside:
            names = "、".join(str(ProductCode(p).label) for p in outside)
            raise ValidationFailed(
                f"{contract.district.name}的合同不包括：{names}", field="products"
            )
        if (
            contract.valid_until is not None
            and timezone.localdate(scope.expires_at) > contract.valid_until
        ):
            raise ValidationFailed(
                f"有效期不能晚于{contract.district.name}合同的截止日期{contract.valid_until:%Y-%m-%d}",
                field="expires_at",
            )


def key_limits_set(*, actor: Actor, customer: Customer, max_keys: int, rate_ceiling: int) -> None:
    """The operator's limits for the keys the institution issues itself (0 keys: none)."""
    if not 0 <= max_keys <= 50:
        raise ValidationFailed("自助密钥数量上限应在0到50之间", field="max_keys")
    if not 1 <= rate_ceiling <= 6000:
        raise ValidationFailed("每分钟调用上限应在1到6000之间", field="rate_ceiling")
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(
            keys_self_service_max=max_keys, keys_rate_ceiling=rate_ceiling
        )
        customer.keys_self_service_max, customer.keys_rate_ceiling = max_keys, rate_ceiling
        platform_audit_record(actor=actor, action="billing.key_limits_set",
                              details={"customer": customer.pk, "max_keys": max_keys,
                                       "rate_ceiling": rate_ceiling})  # fmt: skip


def institution_key_issue(
    *, actor: Actor, customer: Customer, scope: KeyScope, rotated_from: ApiKey | None = None,
    self_service: bool = False,
) -> tuple[ApiKey, str]:  # fmt: skip
    """Create a key; the secret is returned once and never stored. `self_service`: the
    institution issues it itself, within the operator's limits (`key_limits_check`)."""
    clean = _scope_clean(scope)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    while secret.startswith(SANDBOX_KEY_PREFIX):  # one in 10^9: a live key must not look like one
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if self_service:
            # The customer's row serialises concurrent self-service issues (the count is exact).
            locked = Customer.objects.select_for_update().get(pk=customer.pk)
            key_limits_check(locked, clean, replacing=rotated_from)
        key = ApiKey.objects.create(
            customer=customer, name=clean.name, prefix=secret[:11], key_hash=key_hash(secret),
            products=clean.products, districts=clean.districts, allowed_ips=clean.allowed_ips,
            rate_per_minute=clean.rate_per_minute, expires_at=clean.expires_at,
            rotated_from=rotated_from, created_by=actor.label, self_service=self_service,
        )  # fmt: skip
        platform_audit_record(actor=actor, action="billing.key_issue",
                              details={"customer": customer.pk, "key": key.prefix,
                                       "products": clean.products, "districts": clean.districts,
                                       "self_service": self_service})  # fmt: skip
    return key, secret


def institution_key_rotate(
    *, actor: Actor, key: ApiKey, overlap_hours: int = 24, self_service: bool = False
) -> tuple[ApiKey, str]:
    """A new key with the same scope; the old one keeps working for `overlap_hours` (0–168) so the
    institution can switch without an outage, then expires. `self_service`: the institution
    rotates it itself, so the new key is checked against the operator's limits (the old one is
    not counted)."""
    if not 0 <= overlap_hours <= 168:
        raise ValidationFailed("新旧密钥并行时间应在0到168小时之间", field="overlap_hours")
    if key.revoked_at is not None:
        raise ValidationFailed("已吊销的密钥不能轮换", field="key")
    if key.sandbox:
        raise ValidationFailed("沙箱密钥不能轮换：请签发新的沙箱密钥，再吊销旧密钥", field="key")
    with transaction.atomic():
        scope = KeyScope(name=key.name, products=key.products, districts=key.districts,
                         expires_at=key.expires_at, allowed_ips=key.allowed_ips,
                         rate_per_minute=key.rate_per_minute)  # fmt: skip
        if scope.expires_at <= timezone.now():
            raise ValidationFailed("密钥已过期，请签发新密钥", field="key")
        new, secret = institution_key_issue(
            actor=actor, customer=key.customer, scope=scope, rotated_from=key,
            self_service=self_service,
        )  # fmt: skip
        ApiKey.objects.filter(pk=key.pk).update(
            expires_at=min(key.expires_at, timezone.now() + timedelta(hours=overlap_hours))
        )
        platform_audit_record(actor=actor, action="billing.key_rotate",
                              details={"old": key.prefix, "new": new.prefix, "overlap_hours": overlap_hours})  # fmt: skip
    return new, secret


def institution_key_revoke(*, actor: Actor, key: ApiKey, reason: str) -> None:
    if not reason.strip():
        raise ValidationFailed("请说明吊销原因", field="reason")
    with transaction.atomic():
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        platform_audit_record(actor=actor, action="billing.key_revoke",
                              details={"key": key.prefix, "reason": reason.strip()})  # fmt: skip


def institution_key_authenticate(secret: str, *, address: str, sandbox: bool) -> ApiKey:
    """The key for `secret`, checked for its environment (`sandbox`: the request reached the
    developers' sandbox), revocation, expiry and source address; raises with the reason otherwise
    (the caller presented an institution's key, so it is told what is wrong)."""
    if secret.startswith(SANDBOX_KEY_PREFIX) and not sandbox:
        # Refused before any lookup: a test key never reaches a real district's data.
        raise PermissionDenied(
            "沙箱密钥（ck_test_ 开头）只能调用开发者沙箱，不能查询真实数据；请改用正式密钥",
            code="SANDBOX_KEY",
        )
    key = (
        ApiKey.objects.select_related("customer").filter(key_hash=key_hash(secret)).first()
        if secret.startswith(KEY_PREFIX)
        else None
    )
    if key is None:
        raise PermissionDenied("接口密钥无效", code="UNAUTHENTICATED")
    if key.sandbox != sandbox:
        raise _wrong_environment(key)
    if key.revoked_at is not None:
        raise PermissionDenied("接口密钥已吊销", code="UNAUTHENTICATED")
    if key.expires_at <= timezone.now():
        raise PermissionDenied(f"接口密钥已于{timezone.localtime(key.expires_at):%Y-%m-%d %H:%M}过期",
                               code="UNAUTHENTICATED")  # fmt: skip
    if key.allowed_ips and not _address_allowed(address, key.allowed_ips):
        raise PermissionDenied(f"来源地址 {address} 不在该密钥的白名单内", code="FORBIDDEN")
    return key


def _wrong_environment(key: ApiKey) -> PermissionDenied:
    if key.sandbox:
        return PermissionDenied(
            "沙箱密钥只能调用开发者沙箱，不能查询真实数据；请改用正式密钥", code="SANDBOX_KEY"
        )
    return PermissionDenied(
        "正式密钥不能调用开发者沙箱：请使用以 ck_test_ 开头的沙箱密钥", code="LIVE_KEY_IN_SANDBOX"
    )


def key_environment_check(key: ApiKey, district: District) -> None:
    """A sandbox key only in the sandbox, a live key only in real districts (again where the key
    is used, whatever the request's host said)."""
    if key.sandbox != (district.kind == DistrictKind.SANDBOX):
        raise _wrong_environment(key)


def _address_allowed(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


UNCOUNTED_RETRY_SECONDS = 30


def rate_limit_take(key: ApiKey) -> None:
    """Count one call in the key's current minute; refuse past its limit with the seconds until
    the next minute starts (sent as `retryAfter` and the HTTP Retry-After header)."""
    now = time.time()
    window = int(now // 60)
    counter = f"billing-rate:{key.pk}:{window}"
    try:
        cache.add(counter, 0, 120)
        count = cache.incr(counter)
    except CACHE_ERRORS as error:
        # The counter lives in the cache: without it a metered call is refused (not served
        # without limit), before anything is charged.
        raise RateLimited(
            retry_after=UNCOUNTED_RETRY_SECONDS,
            message=f"暂时无法核对调用频率，本次调用未执行、未计费，请 {UNCOUNTED_RETRY_SECONDS} 秒后重试",
        ) from error
    if count > key.rate_per_minute:
        raise RateLimited(retry_after=max(1, 60 - int(now % 60)))
