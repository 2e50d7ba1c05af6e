"""Consents (授权), the query log (append-only: who asked about whom, when, why, under which
consent, with what result) and issued reports (the assembled JSON kept in storage with its hash, so
a report number and verification code can be checked later)."""

from __future__ import annotations

from django.db import models
from django.db.models import JSONField
from django.utils import timezone

from core.common.placement import district_model
from core.reports.enums import (
    ConsentChannel,
    ConsentRejection,
    ConsentStatus,
    ConsentVerification,
    QueryProduct,
    QueryResult,
    RequesterKind,
)
from core.subjects.models import Subject


@district_model
class Consent(models.Model):
    """A subject's written authorisation for someone to query it, for a purpose, within a scope."""

    # Empty for a person this district holds nothing on yet: the consent is kept all the same (an
    # institution is told the same either way) and found again by `subject_hash`.
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="consents", null=True, blank=True
    )
    subject_hash = models.CharField(max_length=64, blank=True, db_index=True)
    subject_masked = models.CharField("被查询主体证件号（脱敏）", max_length=24, blank=True)
    grantee_name = models.CharField("被授权人", max_length=200)
    grantee_code = models.CharField("被授权人证件号或统一社会信用代码", max_length=30)
    purpose = models.CharField("查询用途", max_length=200)
    products = JSONField("授权范围", default=list)  # QueryProduct values
    valid_from = models.DateField("授权起始")
    valid_until = models.DateField("授权截止")
    document = models.CharField("授权书", max_length=300)
    recorded_by = models.CharField("登记人", max_length=254)
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    channel = models.CharField(
        "登记渠道", max_length=10, choices=ConsentChannel.choices, default=ConsentChannel.WINDOW
    )
    status = models.CharField(
        "核验状态", max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.VERIFIED
    )
    document_sha256 = models.CharField(max_length=64, blank=True)
    verified_by = models.CharField("核验人", max_length=254, blank=True)
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)
    rejection = models.CharField(
        "未通过原因", max_length=12, choices=ConsentRejection.choices, blank=True
    )

    class Meta:
        verbose_name = "查询授权"
        verbose_name_plural = "查询授权"
        ordering = ("-recorded_at",)

    def __str__(self) -> str:
        return f"{self.grantee_name} → {self.subject_id or self.subject_masked}"


@district_model
class ConsentPolicy(models.Model):
    """How this district checks natural persons' consents lodged over the API (one row)."""

    verification = models.CharField(
        "授权核验方式", max_length=10, choices=ConsentVerification.choices,
        default=ConsentVerification.REVIEWER,
    )  # fmt: skip
    trusted_certificates = models.TextField(
        "可信的电子签名根证书（PEM）", blank=True,
        help_text="核验方式为电子签名时，授权书须由这些证书签发的证书签名",
    )  # fmt: skip
    updated_by = models.CharField(max_length=254, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "授权核验设置"
        verbose_name_plural = "授权核验设置"

    def __str__(self) -> str:
        return self.get_verification_display()


@district_model
class Report(models.Model):
    number = models.CharField("报告编号", max_length=32, unique=True)
    verification_code = models.CharField("验证码", max_length=12)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="reports")
    product = models.CharField("产品", max_length=20, choices=QueryProduct.choices)
    schema_version = models.CharField("报告格式版本", max_length=30)
    data_as_of = models.DateTimeField("数据截止时间")
    stored_json = models.CharField("报告文件", max_length=300)
    stored_pdf = models.CharField("报告PDF", max_length=300, blank=True)
    sha256 = models.CharField(max_length=64)
    # The PDF's SHA-256 at issue: the verification page compares an uploaded PDF with it. Empty
    # for reports issued before it was kept (their stored PDF is hashed instead).
    pdf_sha256 = models.CharField("报告PDF的SHA-256", max_length=64, blank=True)
    issued_at = models.DateTimeField("出具时间", default=timezone.now)

    class Meta:
        verbose_name = "信用报告"
        verbose_name_plural = "信用报告"
        ordering = ("-issued_at",)

    def __str__(self) -> str:
        return self.number


@district_model
class QueryLog(models.Model):
    """Every query, issued or refused. Append-only: a trigger refuses UPDATE and DELETE."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="queries")
    requester_kind = models.CharField("查询人类型", max_length=12, choices=RequesterKind.choices)
    requester_name = models.CharField("查询人", max_length=200)
    requester_code = models.CharField("查询人证件号或代码", max_length=30, blank=True)
    purpose = models.CharField("查询用途", max_length=200)
    product = models.CharField("产品", max_length=20, choices=QueryProduct.choices)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True)
    result = models.CharField("结果", max_length=10, choices=QueryResult.choices)
    reason = models.CharField("说明", max_length=300, blank=True)
    report_number = models.CharField("报告编号", max_length=32, blank=True)
    fee_yuan = models.DecimalField("收费（元）", max_digits=10, decimal_places=2, default=0)
    handled_by = models.CharField("经办人", max_length=254)
    at = models.DateTimeField("查询时间", default=timezone.now)

    class Meta:
        verbose_name = "查询记录"
        verbose_name_plural = "查询记录"
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["subject", "at"], name="querylog_subject_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.requester_name} {self.result}"


@district_model
class WindowPrice(models.Model):
    """The district's price for a report issued at the window when it is not free (a natural
    person's own report from the third in a calendar year, 征信业管理条例 Art. 17)."""

    product = models.CharField("产品", max_length=20, choices=QueryProduct.choices, unique=True)
    price_yuan = models.DecimalField("价格（元，含税）", max_digits=10, decimal_places=2)
    updated_by = models.CharField(max_length=254)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "窗口收费标准"
        verbose_name_plural = "窗口收费标准"

    def __str__(self) -> str:
        return f"{self.product}: {self.price_yuan}"
