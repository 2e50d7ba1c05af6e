from __future__ import annotations

from django.db import models

from core.common.placement import public_model


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日"
    WORKDAY = "workday", "调休上班日"


@public_model
class CalendarDay(models.Model):
    """An exception to the Monday–Friday working week: a public holiday on a weekday, or a weekend
    day worked in exchange (调休). National reference data, kept by the operator, seeded from the
    official calendar; every deadline in working days is counted with it."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=DayKind.choices)
    name = models.CharField("名称", max_length=40)

    class Meta:
        verbose_name = "工作日历例外"
        verbose_name_plural = "工作日历例外"
        ordering = ("date",)

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"
