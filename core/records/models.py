from __future__ import annotations

from django.db import models
from django.db.models import JSONField, Q
from django.utils import timezone

from core.catalog.models import CatalogItem, Department
from core.common.placement import district_model
from core.publicity.enums import Sector, Severity
from core.records.enums import RecordKind, SectorSource
from core.subjects.models import Subject


class RecordQuerySet(models.QuerySet["Record"]):
    def publishable(self, today: object) -> RecordQuerySet:
        """Records that may be shown, shared, reported and scored on `today` (state.py rules)."""
        from core.records.state import publishable_q

        return self.filter(publishable_q(today))  # type: ignore[arg-type]


@district_model
class Record(models.Model):
    """One credit record (a licence, a penalty, a list entry …) about one subject.

    `fields` keeps every national-format field as supplied (by field code, e.g. CF_WSH), except
    people's identity numbers (the subject's XDR_ZJHM, the legal representative's FR_ZJHM), which
    it keeps masked: the number itself is only in
    `sealed`, encrypted (core.subjects.protection), for the authorised uses that need it (reports to
    the upstream platform, a department correcting its record). The columns beside them are what
    the platform queries. The business key is kind + decision document number +
    deciding authority's code: the same key again updates the record, never duplicates it.
    """

    kind = models.CharField("类别", max_length=24, choices=RecordKind.choices)
    catalog_item = models.ForeignKey(
        CatalogItem, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    # Indexed by record_subject_kind (subject first); department by record_dept_decided.
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    doc_number = models.CharField("决定文书号", max_length=128)
    authority_name = models.CharField("决定机关", max_length=200)
    authority_code = models.CharField("决定机关统一社会信用代码", max_length=18)
    decision_date = models.DateField("决定日期")
    title = models.CharField("摘要", max_length=300)
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices)
    sector = models.CharField("领域", max_length=20, choices=Sector.choices, blank=True, default="")
    sector_source = models.CharField(
        "领域认定方式",
        max_length=10,
        choices=SectorSource.choices,
        default=SectorSource.INFERRED,
        db_default=SectorSource.INFERRED,
    )
    fine_wan = models.DecimalField(
        "罚款金额（万元）", max_digits=16, decimal_places=6, null=True, blank=True
    )
    fields = JSONField("原始字段", default=dict)
    # db_default: code that predates the column (still running during an upgrade) inserts without it.
    sealed = JSONField("加密字段", default=dict, db_default={}, blank=True)
    content_hash = models.CharField(max_length=64)

    regime_code = models.CharField("公示规则版本", max_length=20)
    published_by_rule = models.BooleanField("依规公示", default=True)
    publicity_start = models.DateField("公示起始")
    repair_from = models.DateField("可申请修复起")
    publicity_end = models.DateField("公示截止")

    supplied_on = models.DateField("报送日期")
    supply_deadline = models.DateField("报送时限")
    timely = models.BooleanField("按时报送")

    batch_id = models.BigIntegerField("上传批次", null=True, blank=True, db_index=True)
    submission_id = models.BigIntegerField("来源信用征集", null=True, blank=True)
    source_row = models.PositiveIntegerField("源文件行号", null=True, blank=True)
    file_sha256 = models.CharField("源文件SHA-256", max_length=64, blank=True)
    # Fields the platform derived because the department's format lacks them, or converted
    # (prefixed field code → how, in Chinese; null when none): what the department supplied is
    # told from what the platform inferred.
    derived_fields = models.JSONField("平台推定的字段", null=True, blank=True)
    created_by = models.CharField("录入人", max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    revoked_on = models.DateField("撤销或变更决定日期", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawal_reason = models.CharField("撤回原因", max_length=300, blank=True)
    repaired_at = models.DateTimeField("修复时间", null=True, blank=True)
    disputed_since = models.DateTimeField("异议登记时间", null=True, blank=True)
    expired_at = models.DateTimeField("公示期满处理时间", null=True, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "doc_number", "authority_code"], name="record_business_key"
            )
        ]
        indexes = [
            models.Index(fields=["subject", "kind"], name="record_subject_kind"),
            models.Index(fields=["publicity_end"], name="record_publicity_end"),
            models.Index(fields=["department", "decision_date"], name="record_dept_decided"),
            # Red and black lists as published, newest first (the portal's list pages).
            models.Index(
                fields=["kind", "-decision_date"],
                name="record_public_lists_by_date",
                condition=(Q(kind="red_list") | Q(kind="black_list"))
                & Q(withdrawn_at__isnull=True, repaired_at__isnull=True, published_by_rule=True),
            ),
            # Red and black lists as published (portal lists, statistics): small, index-only.
            models.Index(
                fields=["kind", "publicity_end", "subject"],
                name="record_public_lists",
                include=["id"],
                # An OR, not IN: its SQL reads back the same after the template is copied.
                condition=(Q(kind="red_list") | Q(kind="black_list"))
                & Q(
                    withdrawn_at__isnull=True,
                    repaired_at__isnull=True,
                    published_by_rule=True,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.doc_number}"


@district_model
class RecordRevision(models.Model):
    """A record's fields as they were before a correction replaced them (nothing is overwritten
    without trace)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="revisions")
    fields = JSONField(default=dict)
    sealed = JSONField(default=dict, db_default={}, blank=True)
    content_hash = models.CharField(max_length=64)
    replaced_at = models.DateTimeField(default=timezone.now)
    replaced_by = models.CharField(max_length=254)
    batch_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "记录修订历史"
        verbose_name_plural = "记录修订历史"
        ordering = ("record", "-replaced_at")

    def __str__(self) -> str:
        return f"{self.record_id}@{self.replaced_at:%Y-%m-%d %H:%M}"
