"""Versioned rules on how long negative information about a person is kept (征信业管理条例
Art. 16), in the public schema: the operator's data, the same for every district."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from core.common.placement import public_model
from core.records.enums import RecordKind
from core.retention.enums import RetentionStart
from core.subjects.enums import SubjectKind


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
        return (
            f"{self.rule.code} {self.get_subject_kind_display()} {self.get_record_kind_display()}"
        )
