"""Objections (异议) to a record and applications for credit repair (信用修复).

An objection marks its record as disputed at once and must be answered in writing within 20 days
(征信业管理条例 Art. 25). A repair application is checked against the record's rules (minimum
publicity period passed), carries its materials, and is decided by a reviewer; approval ends
publication (the record's state becomes 已修复) and triggers rescoring.
"""

from __future__ import annotations

from django.db import models
from django.db.models import JSONField, Q
from django.utils import timezone

from core.common.placement import district_model
from core.records.models import Record
from core.remedies.enums import Channel, ObjectionStatus, RepairStatus
from core.subjects.models import Subject


@district_model
class Objection(models.Model):
    number = models.CharField("受理编号", max_length=24, unique=True)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="objections")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="objections")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    applicant_name = models.CharField("异议人", max_length=50)
    applicant_phone = models.CharField("联系电话", max_length=20)
    reason = models.TextField("异议事项和理由")
    attachment = models.CharField("证明材料", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    received_at = models.DateTimeField("受理时间", default=timezone.now)
    due_on = models.DateField("答复期限")
    reply = models.TextField("书面答复", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.CharField("答复人", max_length=254, blank=True)
    reply_pdf = models.CharField("书面答复PDF", max_length=300, blank=True)
    received_by = models.CharField("受理人", max_length=254)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ("due_on", "id")
        indexes = [
            models.Index(fields=["due_on"], condition=Q(status="open"), name="objection_open_due")
        ]

    def __str__(self) -> str:
        return self.number


@district_model
class RepairApplication(models.Model):
    number = models.CharField("受理编号", max_length=24, unique=True)
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="repairs")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="repairs")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    applicant_name = models.CharField("经办人", max_length=50)
    applicant_phone = models.CharField("联系电话", max_length=20)
    statement = models.TextField("整改情况说明")
    # Stored documents by kind: {"commitment": "<name>", "rectification": "<name>", …}
    materials = JSONField("申请材料", default=dict)
    status = models.CharField(
        "状态", max_length=10, choices=RepairStatus.choices, default=RepairStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_by = models.CharField("审核人", max_length=254, blank=True)
    decision_reason = models.CharField("审核意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "信用修复申请"
        verbose_name_plural = "信用修复申请"
        ordering = ("-submitted_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(status="submitted"), name="repair_one_pending"
            )
        ]

    def __str__(self) -> str:
        return self.number
