from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from core.catalog.models import Department
from core.common.placement import district_model
from core.records.models import Record
from core.upstream.enums import Action, ItemResult, OutboxBatchStatus


@district_model
class UpstreamEndpoint(models.Model):
    """A platform the district reports its 双公示 records to (信用重庆, 信用中国). Its name and URL
    are set by the operator only (provisioning/services/upstream.py; the URL checked by
    core/upstream/egress.py); the district admin sets the bearer token and turns pushing on.
    `department` is the department that files received back from this platform are imported
    under (their provenance)."""

    name = models.CharField("名称", max_length=50, unique=True)
    url = models.URLField("接口地址", max_length=500, blank=True)
    # Sent as `Authorization: Bearer …`; needed in the clear to send it (as webhook secrets are).
    token = models.CharField("访问令牌", max_length=500, blank=True)
    enabled = models.BooleanField("启用推送", default=False)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="upstream_endpoints",
        verbose_name="回流数据来源部门",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "上级平台"
        verbose_name_plural = "上级平台"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def token_hint(self) -> str:
        """The token as shown on pages: its last four characters only."""
        return f"••••{self.token[-4:]}" if self.token else ""


@district_model
class OutboxBatch(models.Model):
    """One batch of records to report to an endpoint: built once for a period (by change date),
    then sent (and re-sent) as the same JSON under the same `batch_id` until upstream answers.
    Upstream treats `batch_id` as the idempotency key, so a re-send never duplicates anything."""

    endpoint = models.ForeignKey(UpstreamEndpoint, on_delete=models.PROTECT, related_name="batches")
    batch_id = models.UUIDField("批次号", default=uuid.uuid4, unique=True, editable=False)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    status = models.CharField(
        "状态", max_length=10, choices=OutboxBatchStatus.choices, default=OutboxBatchStatus.PENDING
    )
    item_count = models.PositiveIntegerField("记录数", default=0)
    accepted = models.PositiveIntegerField("已接收", default=0)
    rejected = models.PositiveIntegerField("被拒收", default=0)
    attempts = models.PositiveIntegerField("发送次数", default=0)
    # Failed attempts since the batch was built or last re-sent by hand: drives the backoff and
    # when automatic retries stop.
    failures_in_row = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField("最近发送时间", null=True, blank=True)
    # When the next attempt is due; while SENDING, when the sender's lease runs out.
    next_attempt_at = models.DateTimeField("下次发送时间", null=True, blank=True)
    last_error = models.CharField("最近一次失败原因", max_length=500, blank=True)
    created_by = models.CharField("生成人", max_length=254)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "上报批次"
        verbose_name_plural = "上报批次"
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.endpoint_id}:{self.batch_id}"


@district_model
class OutboxItem(models.Model):
    """One record in a batch, with the action it reports, the payload exactly as sent and what
    upstream said about it. The latest item per endpoint and record is what upstream has."""

    # Indexed by the unique (batch, record) and by outbox_item_record.
    batch = models.ForeignKey(
        OutboxBatch, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="+", db_index=False)
    action = models.CharField("动作", max_length=10, choices=Action.choices)
    payload = models.JSONField("报送内容")
    payload_hash = models.CharField(max_length=64)
    result = models.CharField(
        "结果", max_length=10, choices=ItemResult.choices, default=ItemResult.PENDING
    )
    reason = models.CharField("拒收原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "上报记录"
        verbose_name_plural = "上报记录"
        ordering = ("batch", "id")
        constraints = [
            models.UniqueConstraint(fields=["batch", "record"], name="outbox_item_once_per_batch")
        ]
        indexes = [models.Index(fields=["record", "batch"], name="outbox_item_record")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.record_id} {self.action}"
