from __future__ import annotations

from django.db import models


class MatterCategory(models.TextChoices):
    """The kinds of business a department checks subjects in before it decides."""

    LICENSING = "licensing", "行政许可"
    PROCUREMENT = "procurement", "政府采购"
    SUBSIDY = "subsidy", "财政资金补助"
    HONOURS = "honours", "评优评先"
    PUBLIC_RESOURCES = "public_resources", "公共资源交易"
    RECRUITMENT = "recruitment", "招录聘用"
    OTHER = "other", "其他"


class MeasureKind(models.TextChoices):
    PUNISHMENT = "punishment", "失信惩戒"
    INCENTIVE = "incentive", "守信激励"


class MeasureSource(models.TextChoices):
    NATIONAL = "national", "国家清单"
    LOCAL = "local", "本地措施"


class Finding(models.TextChoices):
    """What a check can find about a subject, each from records in force (published, not
    repaired, withdrawn or past their publicity)."""

    SERIOUS_DISHONESTY = "serious_dishonesty", "严重失信主体名单"
    MAJOR_TAX = "major_tax", "重大税收违法失信主体"
    COURT_ENFORCEMENT = "court_enforcement", "失信被执行人"
    ABNORMAL = "abnormal", "经营异常名录"
    SERIOUS_PENALTY = "serious_penalty", "严重行政处罚（公示期内）"
    PENALTY = "penalty", "行政处罚（公示期内）"
    COMMITMENT_BROKEN = "commitment_broken", "信用承诺未履行"
    RED_LIST = "red_list", "守信激励对象（红名单）"


class CheckChannel(models.TextChoices):
    CONSOLE = "console", "管理后台"
    API = "api", "部门系统接口"


class RowStatus(models.TextChoices):
    HIT = "hit", "有相关信息"
    CLEAR = "clear", "未发现相关信息"
    NOT_FOUND = "not_found", "平台无此主体"
    INVALID = "invalid", "代码无效"
    NOT_ALLOWED = "not_allowed", "不予核查"
    DUPLICATE = "duplicate", "重复"
    OVER_LIMIT = "over_limit", "超出条数上限"


class FeedbackOutcome(models.TextChoices):
    """What the department did with the finding (办理结果)."""

    NOT_GRANTED = "not_granted", "不予许可"
    NO_SUBSIDY = "no_subsidy", "不予补助"
    RESTRICTED = "restricted", "限制参与"
    STRICT_REVIEW = "strict_review", "从严审查"
    NOT_HIRED = "not_hired", "不予录用（聘用）"
    NO_HONOUR = "no_honour", "取消评优评先资格"
    PRIORITY = "priority", "优先办理"
    TOLERANT = "tolerant", "容缺受理"
    SIMPLIFIED = "simplified", "简化程序"
    NORMAL = "normal", "正常办理（未采取措施）"


# Outcomes that reward (the rest but NORMAL punish or restrict).
INCENTIVE_OUTCOMES = (
    FeedbackOutcome.PRIORITY,
    FeedbackOutcome.TOLERANT,
    FeedbackOutcome.SIMPLIFIED,
)
PUNISHMENT_OUTCOMES = tuple(
    o for o in FeedbackOutcome if o not in INCENTIVE_OUTCOMES and o != FeedbackOutcome.NORMAL
)
