"""Reads for reports: a report's content, its verification, who queried a subject, consents."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet

from core.common.errors import NotFound
from core.common.identifiers import mask_person_name
from core.content.selectors import theme_get_current
from core.reports.enums import ConsentStatus
from core.reports.models import Consent, QueryLog, Report
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject

# A report whose stored files were deleted with the negative information about a person it
# listed, once that was kept as long as the law says (core/retention/services.py): the report's
# row stays (number, date, hash), its content is gone.
ARCHIVE_REMOVED = (
    "本报告所列个人不良信息已超过《征信业管理条例》第十六条规定的保存期限，报告存档已依法删除。"
)


def report_content(report: Report) -> dict[str, Any]:
    """The report as issued, or only {"removed": …} once its stored files were deleted."""
    if not report.stored_json:
        return {"removed": ARCHIVE_REMOVED}
    with default_storage.open(report.stored_json, "rb") as handle:
        data: dict[str, Any] = json.loads(handle.read())
    return data


@dataclass(frozen=True)
class Verification:
    report: Report | None
    genuine: bool
    removed: bool = False  # the stored files were deleted (ARCHIVE_REMOVED): nothing to compare
    # An uploaded PDF compared with the one kept at issue: None when none was given (or nothing
    # is left to compare it with).
    pdf_matches: bool | None = None

    @property
    def subject_name(self) -> str:
        """Whose report it is; a person's name masked (the page is public)."""
        if self.report is None:
            return ""
        subject = self.report.subject
        natural = subject.kind == SubjectKind.NATURAL
        return mask_person_name(subject.name) if natural else subject.name

    @property
    def subject_code_label(self) -> str:
        natural = self.report is not None and self.report.subject.kind == SubjectKind.NATURAL
        return "证件号码" if natural else "统一社会信用代码"

    @property
    def subject_code(self) -> str:
        if self.report is None:
            return ""
        subject = self.report.subject
        return subject.id_masked if subject.kind == SubjectKind.NATURAL else (subject.uscc or "")

    @property
    def report_kind(self) -> str:
        if self.report is None:
            return ""
        natural = self.report.subject.kind == SubjectKind.NATURAL
        return REPORT_TITLES[natural]


REPORT_TITLES = {True: "自然人公共信用信息报告", False: "法人和非法人组织公共信用信息报告"}


def _sha256(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def report_verify(*, number: str, code: str, pdf: bytes | None = None) -> Verification:
    """Is there a report with this number and code, and is its stored content unchanged? With
    `pdf` (an uploaded file's bytes): is that file the PDF the platform issued?"""
    report = (
        Report.objects.select_related("subject")
        .filter(number=number.strip().upper(), verification_code=code.strip().upper())
        .first()
    )
    if report is None:
        return Verification(None, False)
    if not report.stored_json:
        return Verification(report, False, removed=True)
    genuine = _sha256(report.stored_json) == report.sha256
    matches = None
    if pdf is not None:
        kept = report.pdf_sha256 or (_sha256(report.stored_pdf) if report.stored_pdf else "")
        matches = bool(kept) and hashlib.sha256(pdf).hexdigest() == kept
    return Verification(report, genuine, pdf_matches=matches)


def queries_for_subject(subject_id: int, limit: int = 100) -> list[QueryLog]:
    return list(QueryLog.objects.filter(subject_id=subject_id).select_related("consent")[:limit])


def consents_for_subject(subject: Subject) -> QuerySet[Consent]:
    """Every consent lodged for the subject, a person's lodged before the district held records
    on them included (found by the person's lookup hash)."""
    match = Q(subject=subject)
    if subject.id_hash:
        match |= Q(subject_hash=subject.id_hash)
    return Consent.objects.filter(match).order_by("-recorded_at", "-id")


def consents_pending() -> QuerySet[Consent]:
    return (
        Consent.objects.select_related("subject")
        .filter(status=ConsentStatus.PENDING)
        .order_by("recorded_at", "id")
    )


def consent_get(consent_id: int) -> Consent:
    consent = Consent.objects.select_related("subject").filter(pk=consent_id).first()
    if consent is None:
        raise NotFound("没有这份授权")
    return consent


def consents_decided(limit: int = 50) -> list[Consent]:
    """The latest consents checked by a reviewer or a signature (window consents excluded)."""
    return list(
        Consent.objects.select_related("subject")
        .filter(channel="api")
        .exclude(status=ConsentStatus.PENDING)
        .order_by("-verified_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class ReportSite:
    """Where the report says it comes from: the platform's name, its verification page's URL and
    the platform's operator (the credit agency running it: settings.OPERATOR_NAME)."""

    platform: str
    verify_url: str  # absolute, e.g. https://credit.wanzhou.gov.cn/reports/verify/
    operator: str = field(default_factory=lambda: str(settings.OPERATOR_NAME))

    def link(self, number: str, code: str) -> str:
        return f"{self.verify_url}?number={number}&code={code}"


def report_site(*, verify_url: str) -> ReportSite:
    """Where reports say they come from: the district's platform name (its theme) and its
    verification page (`verify_url`, absolute)."""
    theme = theme_get_current()
    platform = theme.platform_name if theme else "公共信用信息平台"
    return ReportSite(platform, verify_url)
