from __future__ import annotations

from django.db import models

from core.common.placement import public_model
from core.publicity.enums import Sector, Severity


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
        return f"{self.regime.code} {self.get_severity_display()} {self.get_sector_display()}"
