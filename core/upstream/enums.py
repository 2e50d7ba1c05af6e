"""Choices for upstream reporting (docs/subsystems/upstream.md)."""

from django.db import models


class Action(models.TextChoices):
    """What a reported row asks upstream to do with the record (the `ACTION` column / field)."""

    ADD = "add", "新增"
    WITHDRAW = "withdraw", "撤回"
    REPAIR = "repair", "信用修复"


class OutboxBatchStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    RETRYING = "retrying", "等待重试"
    DONE = "done", "已完成"
    FAILED = "failed", "发送失败"


class ItemResult(models.TextChoices):
    PENDING = "pending", "待确认"
    ACCEPTED = "accepted", "已接收"
    REJECTED = "rejected", "被拒收"


class ExportFormat(models.TextChoices):
    """One kind per CSV or XLSX file (as departments' files are, so a file imports again); JSON
    holds both kinds."""

    XLSX_PENALTY = "xlsx-CF", "Excel（行政处罚）"
    XLSX_LICENSE = "xlsx-XK", "Excel（行政许可）"
    CSV_PENALTY = "csv-CF", "CSV（行政处罚）"
    CSV_LICENSE = "csv-XK", "CSV（行政许可）"
    JSON = "json", "JSON（许可和处罚）"
