from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from core.common.placement import public_model
from core.publicity.enums import RetentionStart, Sector, Severity
from core.records.enums import RecordKind
from core.subjects.enums import SubjectKind


@public_model
class PublicityRegime(models.Model):
    """A version of the national rules on publicity periods, in force from a date. A record is
    judged by the regime in force on its decision date."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=200)
    basis = models.CharField("依据", max_length=200)
    effective_from = models.DateField("施行日期", unique=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "公示期限规则版本"
        verbose_name_plural = "公示期限规则版本"
        ordering = ("effective_from",)

    def __str__(self) -> str:
        return self.name


@public_model
class PublicityRule(models.Model):
    """Within a regime: for a severity (and optionally a sector), whether the record is published,
    the minimum months before repair and the maximum months of publication."""

    regime = models.ForeignKey(PublicityRegime, on_delete=models.CASCADE, related_name="rules")
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices)
    sector = models.CharField("领域", max_length=20, choices=Sector.choices, blank=True, default="")
    published = models.BooleanField("公示", default=True)
    min_months = models.PositiveSmallIntegerField("最短公示期（月）")
    max_months = models.PositiveSmallIntegerField("最长公示期（月）")

    class Meta:
        verbose_name = "公示期限规则"
        verbose_name_plural = "公示期限规则"
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "severity", "sector"], name="publicity_rule_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(min_months__lte=models.F("max_months")),
                name="publicity_rule_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regime.code} {self.severity} {self.sector or '-'}"


@public_model
class RetentionRule(models.Model):
    """A version of the rule on how long negative information about a person is kept
    (征信业管理条例 Art. 16: five years from the day the conduct or event ended, then deleted).
    A record is judged by the version in force on its decision date (decisions before the first
    version by the first). Versions are never changed or removed (a trigger refuses it): a change
    of the law is a new version with a later start (docs/subsystems/retention.md)."""

    code = models.CharField("版本代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=200)
    basis = models.CharField("依据", max_length=200)
    effective_from = models.DateField("施行日期", unique=True)
    years = models.PositiveSmallIntegerField("保存期限（年）", validators=[MinValueValidator(1)])
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        verbose_name = "不良信息保存期限规则版本"
        verbose_name_plural = "不良信息保存期限规则版本"
        ordering = ("effective_from",)
        constraints = [
            models.CheckConstraint(condition=models.Q(years__gte=1), name="retention_rule_years")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@public_model
class RetentionScope(models.Model):
    """Within a retention rule version: one kind of record about one kind of subject that counts
    as negative information, and the day its years run from."""

    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="scopes")
    subject_kind = models.CharField("主体类别", max_length=12, choices=SubjectKind.choices)
    record_kind = models.CharField("记录类别", max_length=24, choices=RecordKind.choices)
    runs_from = models.CharField("起算日", max_length=24, choices=RetentionStart.choices)

    class Meta:
        verbose_name = "不良信息范围"
        verbose_name_plural = "不良信息范围"
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_kind", "record_kind"], name="retention_scope_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.subject_kind} {self.record_kind}"
