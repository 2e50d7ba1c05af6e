"""Exchange tables in each district's schema: what the district owns (ADR 0002).

- `SigningKey`: the district's Ed25519 key pairs; the private half encrypted (exchange/keys.py).
- `ExchangeLogEntry`: every exchange the district took part in, as consumer or provider;
  append-only (a trigger refuses UPDATE and DELETE) and hash-chained (exchange/services/logs.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models import JSONField, Q
from django.utils import timezone

from core.common.placement import district_model
from exchange.enums import LogOutcome, LogSide


@district_model
class SigningKey(models.Model):
    """One of the district's signing key pairs. The current one has no `retired_at`; the public
    half is also published in the public schema (`exchange.DistrictPublicKey`)."""

    key_id = models.CharField("密钥标识", max_length=80, unique=True)
    private_key_cipher = models.TextField("私钥（加密）")
    public_key = models.CharField("公钥（Base64）", max_length=64)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    created_by = models.CharField("创建人", max_length=254)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "共享签名密钥"
        verbose_name_plural = "共享签名密钥"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["retired_at"],
                condition=Q(retired_at__isnull=True),
                name="signing_key_one_current",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return self.key_id


@district_model
class ExchangeLogEntry(models.Model):
    """One exchange seen from this district: who asked whom, under which agreement and purpose,
    for which subject, which records went out and the hash of the answer, or why it was refused.

    `seq` orders the chain; `prev_hash` is the previous entry's `entry_hash`, and `entry_hash` is
    SHA-256 over this entry's content and `prev_hash`, so a changed or removed entry breaks the
    chain at that point (`exchange_log_verify`)."""

    seq = models.PositiveBigIntegerField("序号", unique=True)
    occurred_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    side = models.CharField("本方角色", max_length=10, choices=LogSide.choices)
    request_id = models.CharField("请求标识", max_length=64, db_index=True)
    agreement_id = models.BigIntegerField("共享协议", null=True, blank=True, db_index=True)
    counterpart = models.CharField("对方平台", max_length=63, blank=True)
    purpose = models.CharField("用途", max_length=32, blank=True)
    staff = models.CharField("请求人", max_length=254, blank=True)
    subject_code = models.CharField("统一社会信用代码", max_length=40, blank=True)
    record_ids = JSONField("提供的记录", default=list)
    response_hash = models.CharField("应答SHA-256", max_length=64, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=LogOutcome.choices)
    reason_code = models.CharField("拒绝代码", max_length=40, blank=True)
    reason = models.CharField("拒绝原因", max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "共享日志"
        verbose_name_plural = "共享日志"
        ordering = ("-seq",)
        constraints = [
            # A token is served once: a replay loses here even when it races the first use.
            models.UniqueConstraint(
                fields=["request_id"],
                condition=Q(side="provider", outcome="served"),
                name="exchange_log_served_once",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.side} {self.outcome}"
