from django.db import models


class Channel(models.TextChoices):
    PORTAL = "portal", "门户网站"
    WINDOW = "window", "服务窗口"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "处理中"
    CORRECTED = "corrected", "已更正"
    CONFIRMED = "confirmed", "维持原记录"
    ANNOTATED = "annotated", "双方意见并存"


class RepairStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "准予修复"
    REFUSED = "refused", "不予修复"
