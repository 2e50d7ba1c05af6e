"""The scorecard (a versioned indicator tree with rules, weights, caps, vetoes and grade cut-offs)
and the scores it produced. Every number is configuration: `defaults.py` holds the shipped default
and the reasoning behind it; a district admin edits a draft copy and publishes it as a new version.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import JSONField, Q
from django.utils import timezone

from core.common.placement import district_model
from core.publicity.enums import Severity
from core.records.enums import RecordKind
from core.scoring.enums import Grade, ScorecardStatus
from core.subjects.models import Subject

SHARE = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]


@district_model
class Scorecard(models.Model):
    """One version of the district's scoring model. At most one is published (现行) at a time."""

    number = models.PositiveIntegerField("版本号", unique=True)
    name = models.CharField("名称", max_length=100)
    status = models.CharField(
        "状态", max_length=10, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    scale = models.PositiveIntegerField("满分", default=1000)
    # A total at or above grade_a is A, at or above grade_b is B, at or above grade_c is C, else D.
    grade_a = models.PositiveIntegerField("A级下限", default=850)
    grade_b = models.PositiveIntegerField("B级下限", default=700)
    grade_c = models.PositiveIntegerField("C级下限", default=550)
    # Recency: a record decided within `months` counts at `factor`; older ones at `older_factor`.
    # [[12, "1.0"], [24, "0.7"], [36, "0.4"]]: ascending months, factors as decimal strings.
    recency = JSONField("时效系数", default=list)
    older_factor = models.DecimalField("更早记录系数", max_digits=4, decimal_places=2, default=Decimal("0.2"), validators=SHARE)  # fmt: skip
    notes = models.TextField("说明", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=254)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.CharField(max_length=254, blank=True)

    class Meta:
        verbose_name = "评分模型版本"
        verbose_name_plural = "评分模型版本"
        ordering = ("-number",)
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=ScorecardStatus.PUBLISHED),
                name="scorecard_one_published",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=ScorecardStatus.DRAFT),
                name="scorecard_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.name}"


@district_model
class Indicator(models.Model):
    """A node of the indicator tree: a dimension (no parent; weight = its share of the scale) or a
    sub-indicator (weight = its share of the dimension). A sub-indicator starts every subject at
    `start` × its maximum points; rules move it, never below 0 nor above the maximum."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    code = models.CharField("编码", max_length=20)
    name = models.CharField("名称", max_length=100)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=4, validators=SHARE)
    start = models.DecimalField("起评比例", max_digits=5, decimal_places=4, default=Decimal(1), validators=SHARE)  # fmt: skip
    position = models.PositiveSmallIntegerField("顺序", default=0)
    description = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "评分指标"
        verbose_name_plural = "评分指标"
        ordering = ("scorecard", "position", "code")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "code"], name="indicator_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@district_model
class ScoringRule(models.Model):
    """Turns matching publishable records into points on one sub-indicator. Every condition that
    is set must hold: record kind, catalogue item, severity, penalty category, minimum fine.
    `points` is per record (negative lowers the score), multiplied by the recency factor when
    `use_recency`; the rule's total is limited to ±`cap`. A rule with `veto_grade` also caps the
    grade of any subject it matches (e.g. a serious-dishonesty listing ⇒ at most D)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="rules")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField("编码", max_length=20)
    name = models.CharField("名称", max_length=100)
    record_kind = models.CharField(
        "记录类别", max_length=24, choices=RecordKind.choices, blank=True
    )
    catalog_item_code = models.CharField("目录信息项", max_length=40, blank=True)
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices, blank=True)
    penalty_category = models.CharField("处罚类别", max_length=40, blank=True)
    min_fine_wan = models.DecimalField("罚款不低于（万元）", max_digits=12, decimal_places=4, null=True, blank=True)  # fmt: skip
    points = models.DecimalField("每条记录分值", max_digits=7, decimal_places=2)
    cap = models.DecimalField("本规则分值上限", max_digits=7, decimal_places=2, null=True, blank=True)  # fmt: skip
    use_recency = models.BooleanField("按时效折算", default=False)
    veto_grade = models.CharField("一票否决：最高等级", max_length=1, choices=Grade.choices, blank=True)  # fmt: skip

    class Meta:
        verbose_name = "评分规则"
        verbose_name_plural = "评分规则"
        ordering = ("scorecard", "code")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "code"], name="scoring_rule_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@district_model
class SubjectScore(models.Model):
    """A subject's score as computed by one scorecard version. A new row is written only when the
    result changes (or the version does), so the rows of a subject are its score history; the
    latest is `is_current`. `explanation` holds, for every indicator a rule moved, its points and
    the rules and records that moved it, plus any veto (indicators not listed stand at their start)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="scores")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="scores")
    total = models.IntegerField("总分")
    grade = models.CharField("等级", max_length=1, choices=Grade.choices)
    explanation = JSONField("评分说明", default=dict)
    computed_at = models.DateTimeField("评分时间", default=timezone.now)
    as_of = models.DateField("评分基准日")
    reason = models.CharField("触发原因", max_length=40)
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = "主体评分"
        verbose_name_plural = "主体评分"
        ordering = ("subject", "-computed_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], condition=Q(is_current=True), name="score_one_current"
            )
        ]
        indexes = [
            models.Index(fields=["subject", "computed_at"], name="score_subject_history"),
            models.Index(
                fields=["grade"], condition=Q(is_current=True), name="score_current_grade"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.total} {self.grade}"
