from __future__ import annotations

from django.db import models
from django.db.models import JSONField
from django.utils import timezone

from core.catalog.models import Department
from core.common.placement import district_model


class UploadBatchStatus(models.TextChoices):
    MAPPING = "mapping", "待确认列映射"
    QUEUED = "queued", "排队中"
    RUNNING = "running", "处理中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


@district_model
class UploadBatch(models.Model):
    """One department file and what became of each of its rows."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="batches")
    uploaded_by = models.CharField("上传人", max_length=254)
    uploaded_by_id = models.BigIntegerField(null=True, blank=True)
    filename = models.CharField("文件名", max_length=255)
    file_name_in_storage = models.CharField(max_length=300)
    file_sha256 = models.CharField("文件SHA-256", max_length=64, db_index=True)
    size = models.BigIntegerField("文件大小")
    kind = models.CharField("文件类型", max_length=2, blank=True)  # XK or CF once known
    status = models.CharField(
        max_length=10, choices=UploadBatchStatus.choices, default=UploadBatchStatus.QUEUED
    )
    error = models.TextField("失败原因", blank=True)
    # Where the table is and which column carries what, as decided before any row is stored:
    # {"sheet", "sheet_name", "header_row", "layout" (core.records.layout.Layout.to_json),
    #  "profile" (the mapping profile applied or saved, or null), "confirmed_by", "confirmed_at"}.
    mapping = JSONField("列映射", default=dict, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    duplicate = models.PositiveIntegerField("重复", default=0)
    rejected = models.PositiveIntegerField("退回", default=0)
    results_name = models.CharField(max_length=300, blank=True)
    rejected_name = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "上传批次"
        verbose_name_plural = "上传批次"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


@district_model
class MappingProfile(models.Model):
    """A department's decisions on the columns of one file layout (the same header row), saved
    when a clerk confirms a mapping and applied to the next file with the same headers."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="mapping_profiles"
    )
    kind = models.CharField("数据类别", max_length=2)  # XK, CF or JL
    signature = models.CharField("表头特征", max_length=64)  # SHA-256 of the normalised headers
    headers = JSONField("表头", default=list)
    # Column index (as text) → field code, "" to ignore the column, or a check ("check:DFBM").
    decisions = JSONField("列映射", default=dict)
    saved_by = models.CharField("保存人", max_length=254)
    saved_at = models.DateTimeField("保存时间", default=timezone.now)
    used_count = models.PositiveIntegerField("自动应用次数", default=0)

    class Meta:
        verbose_name = "列映射方案"
        verbose_name_plural = "列映射方案"
        ordering = ("department", "-saved_at")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "signature"], name="mapping_profile_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.kind} {self.signature[:8]}"


@district_model
class RejectedRow(models.Model):
    """A row that was not stored, with every reason and the values as supplied."""

    batch = models.ForeignKey(UploadBatch, on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.PositiveIntegerField("行号")
    problems = JSONField(default=list)  # [{"field", "label", "value", "message"}]
    values = JSONField(default=list)  # the row's cells as read, in file order

    class Meta:
        verbose_name = "退回行"
        verbose_name_plural = "退回行"
        ordering = ("batch", "row_number")

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


@district_model
class DepartmentApiKey(models.Model):
    """A department system's credential for pushing records over GraphQL. Only the SHA-256 of the
    key is stored; the key is shown once when it is issued."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "部门接口密钥"
        verbose_name_plural = "部门接口密钥"

    def __str__(self) -> str:
        return f"{self.department} {self.prefix}…"


@district_model
class PushRequest(models.Model):
    """One API push, remembered by its idempotency key: a retry gets the same answer."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="pushes")
    idempotency_key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    response = JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "接口推送"
        verbose_name_plural = "接口推送"
        constraints = [
            models.UniqueConstraint(
                fields=["department", "idempotency_key"], name="push_idempotency_unique"
            )
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class SubmissionKind(models.TextChoices):
    CREDIT_INFO = "credit_info", "信用信息"
    COMPLAINT = "complaint", "失信投诉举报"
    PRAISE = "praise", "守信表彰建议"


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    ACCEPTED = "accepted", "已采纳"
    REJECTED = "rejected", "未采纳"


@district_model
class Submission(models.Model):
    """Credit information sent in by the public (信用征集), waiting for a reviewer. An accepted one
    becomes a record that names it as its source."""

    receipt_no = models.CharField("受理编号", max_length=24, unique=True)
    kind = models.CharField("类别", max_length=16, choices=SubmissionKind.choices)
    subject_name = models.CharField("涉及主体名称", max_length=200)
    subject_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    content = models.TextField("内容")
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=20)
    attachment = models.CharField("附件", max_length=300, blank=True)
    attachment_name = models.CharField("附件文件名", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING
    )
    review_note = models.CharField("审核意见", max_length=500, blank=True)
    reviewed_by = models.CharField("审核人", max_length=254, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    record_id = models.BigIntegerField("形成的记录", null=True, blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now)

    class Meta:
        verbose_name = "信用征集"
        verbose_name_plural = "信用征集"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.receipt_no
