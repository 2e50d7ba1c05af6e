from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.common.placement import district_model
from core.subjects.enums import AliasKind, SubjectKind


@district_model
class Subject(models.Model):
    """A real entity that records are about. Organisations and individual businesses are keyed by
    统一社会信用代码; natural persons by the keyed hash of their ID number (see protection.py)."""

    kind = models.CharField("主体类别", max_length=12, choices=SubjectKind.choices)
    name = models.CharField("名称", max_length=200)
    name_as_of = models.DateField("名称所属日期")
    uscc = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True, unique=True)
    id_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    id_masked = models.CharField("证件号码（脱敏）", max_length=24, blank=True)
    id_cipher = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "信用主体"
        verbose_name_plural = "信用主体"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uscc__isnull=False) | models.Q(id_hash__isnull=False),
                name="subject_has_a_key",
            )
        ]

    def __str__(self) -> str:
        return self.name


@district_model
class SubjectAlias(models.Model):
    """A legacy identifier (registration, organisation, tax code …) of a subject."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="aliases")
    kind = models.CharField(max_length=8, choices=AliasKind.choices)
    value = models.CharField(max_length=40)

    class Meta:
        verbose_name = "主体曾用代码"
        verbose_name_plural = "主体曾用代码"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="subject_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@district_model
class SubjectName(models.Model):
    """A name a subject has had, with the date it was first seen under it."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    seen_from = models.DateField()

    class Meta:
        verbose_name = "主体名称历史"
        verbose_name_plural = "主体名称历史"
        constraints = [
            models.UniqueConstraint(fields=["subject", "name"], name="subject_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
