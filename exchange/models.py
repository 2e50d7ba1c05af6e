"""Exchange tables in the public schema: agreements (what the operator keeps about two districts'
arrangement, ADR 0002) and every district's public signing keys (readable by the other districts).

The district-owned half (private keys, the exchange log) is in exchange/district/models.py.
"""

from __future__ import annotations

from django.db import models
from django.db.models import JSONField, Q
from django.utils import timezone

from core.common.placement import public_model
from exchange.enums import AgreementStatus
from tenants.models import District

STORED_STATUSES = [
    (s.value, s.label)
    for s in (
        AgreementStatus.PROPOSED,
        AgreementStatus.ACCEPTED,
        AgreementStatus.DECLINED,
        AgreementStatus.REVOKED,
    )
]


@public_model
class Agreement(models.Model):
    """A sharing agreement: the provider district lets the consumer district read the records of
    the listed catalogue items (only the listed fields), for the listed purposes, between two dates.

    The consumer's district admin proposes, the provider's accepts or declines; either side or the
    operator revokes. Whether an accepted agreement is active or expired follows from its dates
    (exchange/status.py), so nobody has to expire it."""

    provider = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="agreements_provided"
    )
    consumer = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="agreements_consumed"
    )
    legal_basis = models.CharField("共享依据", max_length=500)
    purposes = JSONField("允许的用途", default=list)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("截止日期")
    status = models.CharField(
        "状态", max_length=16, choices=STORED_STATUSES, default=AgreementStatus.PROPOSED
    )
    proposed_by = models.CharField("提出人", max_length=254)
    proposed_at = models.DateTimeField("提出时间", default=timezone.now)
    decided_by = models.CharField("确认人", max_length=254, blank=True)
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    decline_reason = models.CharField("拒绝原因", max_length=300, blank=True)
    revoked_by = models.CharField("撤销人", max_length=254, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "共享协议"
        verbose_name_plural = "共享协议"
        ordering = ("-proposed_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~Q(provider=models.F("consumer")), name="agreement_two_districts"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__lte=models.F("valid_until")),
                name="agreement_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["consumer", "status"], name="agreement_consumer_status")]

    def __str__(self) -> str:
        return f"共享协议 #{self.pk}"


@public_model
class AgreementItem(models.Model):
    """One catalogue item of the provider that an agreement covers, with the fields it may share.

    The item is named by its code (catalogue items live in the provider's schema; no foreign key
    crosses schemas); its name is kept as it read when the agreement was proposed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="items")
    item_code = models.CharField("信息项编码", max_length=40)
    item_name = models.CharField("信息项名称", max_length=200)
    fields = JSONField("允许共享的字段", default=list)

    class Meta:
        verbose_name = "共享协议信息项"
        verbose_name_plural = "共享协议信息项"
        ordering = ("agreement", "item_code")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "item_code"], name="agreement_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_code} {self.item_name}"


@public_model
class DistrictPublicKey(models.Model):
    """The public half of a district's Ed25519 signing key, for the other districts to verify its
    tokens and answers. A rotated key keeps verifying until `valid_until` (a short grace, so
    requests signed just before the rotation still pass); the current key has none."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="exchange_keys")
    key_id = models.CharField("密钥标识", max_length=80, unique=True)
    public_key = models.CharField("公钥（Base64）", max_length=64)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    valid_until = models.DateTimeField("验证截止", null=True, blank=True)

    class Meta:
        verbose_name = "区县签名公钥"
        verbose_name_plural = "区县签名公钥"
        ordering = ("district", "-created_at")
        constraints = [
            models.UniqueConstraint(
                fields=["district"],
                condition=Q(valid_until__isnull=True),
                name="public_key_one_current_per_district",
            )
        ]

    def __str__(self) -> str:
        return self.key_id
