"""Matters, measures, checks and feedback (district schema). A matter's rules are versioned: a
change makes a new version from that day, and a check keeps the version it was judged by."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.catalog.models import Department
from core.common.placement import district_model
from core.discipline.enums import (
    CheckChannel,
    FeedbackOutcome,
    Finding,
    MatterCategory,
    MeasureKind,
    MeasureSource,
    RowStatus,
)
from core.subjects.models import Subject


@district_model
class Measure(models.Model):
    """A joint punishment or incentive measure with its legal basis: the national basic list
    (its edition), the national incentives, or one the district adds."""

    code = models.CharField("措施编号", max_length=20, unique=True)
    name = models.CharField("措施", max_length=200)
    kind = models.CharField("类别", max_length=12, choices=MeasureKind.choices)
    source = models.CharField("来源", max_length=10, choices=MeasureSource.choices)
    edition = models.CharField("清单版本", max_length=100, blank=True)
    group = models.CharField("措施类型", max_length=200, blank=True)
    legal_basis = models.CharField("依据", max_length=500)
    # The findings the national list attaches it to (Finding values); local measures name theirs.
    findings = models.JSONField("适用情形", default=list)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "奖惩措施"
        verbose_name_plural = "奖惩措施"
        ordering = ("kind", "code")

    def __str__(self) -> str:
        return self.name


@district_model
class Matter(models.Model):
    """A matter (事项) a department checks subjects in before it decides."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="matters")
    name = models.CharField("事项名称", max_length=200)
    category = models.CharField("事项类别", max_length=20, choices=MatterCategory.choices)
    legal_basis = models.CharField("核查依据", max_length=500)
    # Natural persons may be checked only where the matter's legal basis allows it.
    persons_allowed = models.BooleanField("可核查自然人", default=False)
    feedback_days = models.PositiveSmallIntegerField("反馈时限（工作日）", default=5)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "核查事项"
        verbose_name_plural = "核查事项"
        ordering = ("department_id", "name")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="matter_name_unique"),
            models.CheckConstraint(
                condition=models.Q(feedback_days__gte=1, feedback_days__lte=60),
                name="matter_feedback_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


@district_model
class MatterVersion(models.Model):
    """The matter's rules from a date: which finding triggers which measure."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    valid_from = models.DateField("施行日期")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField("修改人", max_length=254)

    class Meta:
        verbose_name = "核查事项规则版本"
        verbose_name_plural = "核查事项规则版本"
        ordering = ("matter_id", "-number")
        constraints = [
            models.UniqueConstraint(fields=["matter", "number"], name="matter_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.matter} 第{self.number}版"


@district_model
class MatterRule(models.Model):
    version = models.ForeignKey(MatterVersion, on_delete=models.CASCADE, related_name="rules")
    finding = models.CharField("情形", max_length=24, choices=Finding.choices)
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="rules")

    class Meta:
        verbose_name = "核查规则"
        verbose_name_plural = "核查规则"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "finding", "measure"], name="matter_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.finding} → {self.measure_id}"


@district_model
class Check(models.Model):
    """One check (信用核查) of one subject or a list, for a matter; its number is on the 核查报告."""

    number = models.CharField("核查编号", max_length=32, unique=True)
    verification_code = models.CharField("验证码", max_length=12)
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="checks")
    version = models.ForeignKey(MatterVersion, on_delete=models.PROTECT, related_name="checks")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="checks")
    channel = models.CharField("方式", max_length=10, choices=CheckChannel.choices)
    actor = models.CharField("核查人", max_length=254)
    user_id_ref = models.BigIntegerField("核查人账号", null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField("核查时间", default=timezone.now)
    rows_total = models.PositiveIntegerField("名单条数", default=0)
    checked_total = models.PositiveIntegerField("已核查主体", default=0)
    hits = models.PositiveIntegerField("有相关信息的主体", default=0)
    feedback_due = models.DateField("反馈截止日", null=True, blank=True)
    stored_pdf = models.CharField("核查报告PDF", max_length=300, blank=True)
    pdf_sha256 = models.CharField("核查报告PDF的SHA-256", max_length=64, blank=True)

    class Meta:
        verbose_name = "信用核查"
        verbose_name_plural = "信用核查"
        ordering = ("-checked_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="check_idempotency_unique",
            )
        ]
        indexes = [models.Index(fields=["department", "checked_at"], name="check_dept_at")]

    def __str__(self) -> str:
        return self.number


@district_model
class CheckRow(models.Model):
    """One line of a check's list: who it was (as given, masked for a person), what was found and
    which measures apply, or why it was not checked."""

    credit_check = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField("序号")
    given = models.CharField("所填代码或名称", max_length=200)
    subject = models.ForeignKey(
        Subject, on_delete=models.SET_NULL, null=True, blank=True, related_name="checks"
    )
    subject_name = models.CharField("主体名称", max_length=200, blank=True)
    status = models.CharField("结果", max_length=12, choices=RowStatus.choices)
    reason = models.CharField("说明", max_length=300, blank=True)
    findings = models.JSONField("发现的信息", default=list)
    measures = models.JSONField("适用措施", default=list)

    class Meta:
        verbose_name = "核查明细"
        verbose_name_plural = "核查明细"
        ordering = ("credit_check_id", "position")
        constraints = [
            models.UniqueConstraint(fields=["credit_check", "position"], name="check_row_unique")
        ]

    def __str__(self) -> str:
        return f"{self.credit_check_id}#{self.position}"


@district_model
class Feedback(models.Model):
    """What the department did after a check that found something: once per row."""

    row = models.OneToOneField(CheckRow, on_delete=models.PROTECT, related_name="feedback")
    applied = models.BooleanField("已采取措施")
    outcome = models.CharField("办理结果", max_length=20, choices=FeedbackOutcome.choices)
    measures = models.JSONField("采取的措施", default=list)
    note = models.CharField("说明", max_length=500, blank=True)
    actor = models.CharField("反馈人", max_length=254)
    at = models.DateTimeField("反馈时间", default=timezone.now)
    late = models.BooleanField("逾期反馈", default=False)

    class Meta:
        verbose_name = "核查反馈"
        verbose_name_plural = "核查反馈"

    def __str__(self) -> str:
        return f"{self.row_id} {self.outcome}"
