from django.db import models


class ProductCode(models.TextChoices):
    BASIC_REPORT = "basic_report", "基础版信用报告"
    FULL_REPORT = "full_report", "完整版信用报告"
    SCORE_QUERY = "score_query", "信用评分查询"
    BATCH_QUERY = "batch_query", "批量评分查询"
    MONITORING = "monitoring", "信用监测订阅"


class PricingModel(models.TextChoices):
    PER_UNIT = "per_unit", "按次计价"
    TIERED = "tiered", "阶梯计价（按月累计用量）"
    PACKAGE = "package", "预付套餐"


class BillingMode(models.TextChoices):
    POSTPAID = "postpaid", "后付费（月度硬上限）"
    PREPAID = "prepaid", "预付费（钱包）"


class ContractStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    SUSPENDED = "suspended", "暂停"
    ENDED = "ended", "终止"


class EntryKind(models.TextChoices):
    CHARGE = "charge", "调用计费"
    PACKAGE = "package", "购买套餐"
    CORRECTION = "correction", "冲正"


class NoticeMeasure(models.TextChoices):
    CAP_UNITS = "cap_units", "月度次数上限"
    CAP_YUAN = "cap_yuan", "月度金额上限"
    WALLET = "wallet", "预付余额"


NOTICE_THRESHOLDS = (80, 90, 100)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待送达"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"


# The feed's kinds of change, as the institution's pages name them.
CHANGE_NAMES = {
    "new": "新增",
    "updated": "变更",
    "withdrawn": "撤销",
    "repaired": "信用修复",
    "expired": "到期",
    "job.completed": "批量任务完成",
}


class BulkProduct(models.TextChoices):
    """What a bulk job can do per code (the ledger's product is in brackets)."""

    SCORE = "score", "信用评分（批量评分查询）"
    MONITORING = "monitoring", "信用监测订阅"
    BASIC_REPORT = "basic_report", "基础版信用报告"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "处理中"
    DONE = "done", "已完成"
    CAPPED = "capped", "已达月度上限"


class RowStatus(models.TextChoices):
    PENDING = "pending", "未处理"
    FOUND = "found", "已查得"
    NOT_FOUND = "not_found", "未查得"
    NO_CONSENT = "no_consent", "未获授权"
    INVALID = "invalid", "代码无效"
    DUPLICATE = "duplicate", "重复"
    ALREADY = "already", "已在监测中"
