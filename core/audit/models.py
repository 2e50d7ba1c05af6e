from __future__ import annotations

from django.db import models
from django.db.models import JSONField
from django.utils import timezone

from core.common.placement import district_model


@district_model
class AuditEntry(models.Model):
    """One action in a district that matters to a subject (a record stored, corrected, withdrawn;
    later: queries, objections, repairs). Append-only: a trigger refuses UPDATE and DELETE."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_kind = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=254)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    subject_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    record_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    details = JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ("-occurred_at", "-id")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
