"""Classified statistics from a maintained aggregate: `RecordCount` holds, per decision month,
department, catalogue item, kind, severity, violation type and withdrawal, how many records there
are, how many were supplied on time and their fines. Triggers on `records_record` keep it exact in
the same transaction as every insert, update and delete (`triggers.py`), so no code path can forget
it and the dashboard reads a few thousand rows instead of every record."""

from __future__ import annotations

from django.db import models

from core.common.placement import district_model


@district_model
class RecordCount(models.Model):
    month = models.DateField("月份")  # the first day of the decision's month
    department_id = models.BigIntegerField("部门")
    catalog_item_id = models.BigIntegerField("信息项")
    kind = models.CharField("类别", max_length=24)
    severity = models.CharField("严重程度", max_length=10)
    violation = models.CharField("违法行为类型", max_length=200)  # penalties only, else ""
    withdrawn = models.BooleanField("已撤回")
    records = models.IntegerField("记录数")
    timely = models.IntegerField("按时报送数")
    fines_wan = models.DecimalField("罚款合计（万元）", max_digits=20, decimal_places=6)

    class Meta:
        verbose_name = "记录统计"
        verbose_name_plural = "记录统计"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month", "department_id", "catalog_item_id", "kind", "severity", "violation",
                    "withdrawn",
                ],
                name="record_count_key",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind}: {self.records}"
