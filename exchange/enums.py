from django.db import models


class ExchangePurpose(models.TextChoices):
    """Why a consumer district may ask for shared records; an agreement names the ones it allows and
    every request states one."""

    ADMINISTRATION = "administration", "行政管理"
    JOINT_DISCIPLINE = "joint_discipline", "联合奖惩"
    REPAIR_CHECK = "repair_check", "信用修复核查"
    CREDIT_EVALUATION = "credit_evaluation", "公共信用综合评价"


class AgreementStatus(models.TextChoices):
    """Stored: proposed, accepted, declined, revoked. Active and expired are derived from the dates
    of an accepted agreement (exchange/status.py), never stored."""

    PROPOSED = "proposed", "待对方确认"
    ACCEPTED = "accepted", "已接受（未到生效日）"
    DECLINED = "declined", "已拒绝"
    ACTIVE = "active", "生效中"
    REVOKED = "revoked", "已撤销"
    EXPIRED = "expired", "已到期"


class LogSide(models.TextChoices):
    CONSUMER = "consumer", "请求方"
    PROVIDER = "provider", "提供方"


class LogOutcome(models.TextChoices):
    SERVED = "served", "已提供"
    REFUSED = "refused", "已拒绝"


class RecordUse(models.TextChoices):
    """What a consumer district does with a shared record (exchange/uses.py says which purpose
    allows which)."""

    VIEW = "view", "工作人员查看"
    SCORE = "score", "公共信用综合评价"
    REPORT = "report", "信用报告"
