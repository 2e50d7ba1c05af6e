from django.db import models


class DistrictKind(models.TextChoices):
    OPERATOR = "operator", "运营方（公共模式）"
    TEMPLATE = "template", "模板"
    DISTRICT = "district", "区县"
    # The developers' sandbox: generated companies and records only, answering `ck_test_` keys.
    SANDBOX = "sandbox", "开发者沙箱"


class DistrictStatus(models.TextChoices):
    ACTIVE = "active", "运行中"
    SUSPENDED = "suspended", "已暂停"
    ARCHIVED = "archived", "已归档（只读）"
    DELETION_PENDING = "deletion_pending", "待删除"
    PURGED = "purged", "已清除"
