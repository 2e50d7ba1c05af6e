"""The 信用核查报告: a check as a PDF (the credit report's font, tables, QR code and numbered
footer from core/common/pdf.py), stored once with its SHA-256 like a credit report, and verified on
the portal's 报告验证 page by its number and verification code (and, optionally, the PDF itself)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.pdf import build, escape, qr, styles, table
from core.discipline.enums import MeasureKind, RowStatus
from core.discipline.models import Check, CheckRow
from core.discipline.selectors import check_by_verification, check_rows
from core.reports.selectors import ReportSite
from core.subjects.enums import SubjectKind

TITLE = "信用核查报告"
DATE = 24 * mm  # a yyyy-MM-dd date with the cell's padding (as in the credit report)
MEASURE_KINDS = dict(MeasureKind.choices)
STATUS_LABELS = dict(RowStatus.choices)


def _when(check: Check) -> str:
    return f"{timezone.localtime(check.checked_at):%Y-%m-%d %H:%M}（北京时间）"


def _subject(row: CheckRow) -> str:
    """Who the row is about: an organisation's name and code; a person's masked number only."""
    subject = row.subject
    if subject is not None and subject.kind == SubjectKind.NATURAL:
        return subject.id_masked or row.given
    if row.subject_name:
        return f"{row.subject_name}\n{row.given}"
    return row.given


def check_report_pdf(check: Check, site: ReportSite) -> bytes:
    """The 核查报告 of `check`: the number, verification code and QR link, issuer, department,
    matter and its legal basis, time and counts; then each row with its findings and the measures
    that apply with their basis; every page names the issuer and carries "第 N 页 共 M 页"."""
    s = styles()
    matter, department = check.matter, check.department
    platform, operator = site.platform or "—", site.operator or "—"
    story: list[Any] = [Paragraph(TITLE, s["title"]), Spacer(1, 6 * mm)]
    facts = [
        ["核查编号", check.number], ["验证码", check.verification_code],
        ["出具平台", platform], ["运营机构", operator], ["核查部门", department.name],
        ["事项", matter.name], ["核查依据", matter.legal_basis], ["核查时间", _when(check)],
    ]  # fmt: skip
    if check.feedback_due:
        facts.append(["反馈截止日", f"{check.feedback_due:%Y-%m-%d}"])
    story.append(Table([[table([["项目", "内容"], *facts], [28 * mm, 99 * mm], s["body"]),
                         qr(site.link(check.number, check.verification_code))]],
                       colWidths=[130 * mm, 40 * mm]))  # fmt: skip
    story.append(Spacer(1, 4 * mm))
    counts = [
        ["名单条数", str(check.rows_total)], ["已核查主体", str(check.checked_total)],
        ["有相关信息的主体", str(check.hits)],
        ["未核查的条目", str(check.rows_total - check.checked_total)],
    ]  # fmt: skip
    story.append(table([["统计项", "数量"], *counts], [120 * mm, 40 * mm], s["body"]))
    story.append(
        Paragraph(
            f"扫描二维码或登录{escape(platform)}“报告验证”页面（{escape(site.verify_url)}），"
            "凭核查编号和验证码核验本报告，也可上传本PDF文件比对是否与平台存档一致。",
            s["muted"],
        )
    )
    rows = list(check_rows(check))
    story += _results(rows, s)
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            "本报告依据核查时平台归集的公示期内信用信息出具，仅供核查部门办理上述事项使用；"
            "适用措施须由核查部门依据所列依据自行决定并反馈办理结果。",
            s["muted"],
        )
    )
    footer = f"出具平台：{platform}　运营机构：{operator}　核查编号：{check.number}"
    return build(story, TITLE, footer=footer)


def _results(rows: list[CheckRow], s: dict[str, Any]) -> list[Any]:
    """Three tables, however long the list: every line's result; the findings of the subjects
    that have any, with their source; and each measure once, with its basis."""
    summary = [["序号", "主体", "结果", "发现的信息", "适用措施"]]
    found = [["序号", "类别", "文书号", "决定机关", "决定日期", "公示至"]]
    measures: dict[str, dict[str, Any]] = {}
    for row in rows:
        status = STATUS_LABELS.get(row.status, row.status)
        labels = "、".join(dict.fromkeys(f["label"] for f in row.findings)) or "—"
        names = "、".join(m["name"] for m in row.measures)
        if row.status == RowStatus.HIT and not names:
            names = "本事项的规则未对所发现的信息规定措施"
        summary.append([str(row.position), _subject(row),
                        f"{status}（{row.reason}）" if row.reason else status,
                        labels, names or "—"])  # fmt: skip
        found += [
            [str(row.position), f["label"], f.get("doc_number") or "—",
             f.get("authority") or "—", f.get("date") or "—", f.get("until") or "—"]
            for f in row.findings
        ]  # fmt: skip
        for m in row.measures:
            measures.setdefault(m["name"], m)
    parts: list[Any] = [
        Paragraph("核查结果", s["h2"]),
        table(summary, [12 * mm, 52 * mm, 34 * mm, 36 * mm, 36 * mm], s["body"], plain=True),
    ]  # fmt: skip
    if len(found) > 1:
        parts += [
            Paragraph("发现的信息（公示期内）", s["h2"]),
            table(found, [12 * mm, 30 * mm, 46 * mm, 34 * mm, DATE, DATE], s["body"], plain=True),
        ]  # fmt: skip
    if measures:
        basis = [["适用措施", "类别", "依据"]]
        basis += [[m["name"], MEASURE_KINDS.get(m.get("kind", ""), "—"), m.get("basis") or "—"]
                  for m in measures.values()]  # fmt: skip
        parts += [
            Paragraph("适用措施及依据", s["h2"]),
            table(basis, [60 * mm, 22 * mm, 88 * mm], s["body"], plain=True),
        ]
    return parts


def check_report_store(check: Check, *, site: ReportSite, actor: Actor) -> Check:
    """Render and store the check's 核查报告 once, keeping its SHA-256 (like a credit report's);
    a check already stored is returned as it is."""
    with transaction.atomic():
        locked = Check.objects.select_for_update().select_related("matter", "department")
        current = locked.get(pk=check.pk)
        if current.stored_pdf:
            return current
        pdf = check_report_pdf(current, site)
        name = default_storage.save(f"discipline/{current.number}.pdf", ContentFile(pdf))
        current.stored_pdf, current.pdf_sha256 = name, hashlib.sha256(pdf).hexdigest()
        current.save(update_fields=["stored_pdf", "pdf_sha256"])
        audit_record(actor=actor, action="discipline.report_store",
                     details={"check": current.number, "matter": current.matter.name})  # fmt: skip
    return current


def check_report_bytes(check: Check) -> bytes:
    with default_storage.open(check.stored_pdf, "rb") as handle:
        return bytes(handle.read())


@dataclass(frozen=True)
class CheckVerification:
    """A 核查报告 found by its number and code, for the portal (counts only: no subjects)."""

    check: Check
    # An uploaded PDF compared with the one stored: None when none was uploaded.
    pdf_matches: bool | None = None

    @property
    def untouched(self) -> bool:
        """Is the stored PDF (if there is one yet) still the one issued?"""
        if not self.check.stored_pdf:
            return True
        with default_storage.open(self.check.stored_pdf, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest() == self.check.pdf_sha256

    @property
    def unchecked(self) -> int:
        return self.check.rows_total - self.check.checked_total


def check_verify(*, number: str, code: str, pdf: bytes | None = None) -> CheckVerification | None:
    """The check with this number and code (None for a wrong code or an unknown number alike);
    with `pdf`, whether it is the 核查报告 the platform stored."""
    check = check_by_verification(number=number.strip().upper(), code=code)
    if check is None:
        return None
    matches = None
    if pdf is not None:
        matches = bool(check.pdf_sha256) and hashlib.sha256(pdf).hexdigest() == check.pdf_sha256
    return CheckVerification(check, matches)
