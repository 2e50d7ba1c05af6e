"""Deleting negative information about people once it has been kept as long as the law says
(征信业管理条例 Art. 16; the rules are data: core/retention/rules.py). The one path that deletes
records: `records_past_retention` (a read) finds what is due, `records_retention_delete` (the
write) removes each due record with every copy of its content the district holds, audits the
deletion without the content and rescores the subjects. docs/subsystems/retention.md says what
happens to each copy and why.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Min, Q
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from core.audit.models import AuditEntry
from core.audit.services import audit_record
from core.collection.models import Submission, UploadBatch, UploadBatchStatus
from core.common.actors import Actor
from core.common.events import subjects_changed
from core.common.versioning import data_changed
from core.publicity.rules import add_months
from core.records.enums import RecordKind
from core.records.models import Record, RecordRevision
from core.records.validation import parse_date
from core.remedies.models import Objection, RepairApplication
from core.reports.models import Report
from core.retention.enums import RetentionStart
from core.retention.rules import RetentionRules
from core.upstream.models import OutboxItem

logger = logging.getLogger(__name__)

CHUNK = 500  # records deleted per transaction
KIND_LABELS = dict(RecordKind.choices)
# What else goes with a record, in the order the summary names it.
COPY_LABELS = {
    "revisions": ("修订历史", "条"),
    "objections": ("异议", "件"),
    "repairs": ("信用修复申请", "件"),
    "submissions": ("信用征集", "件"),
    "upstream_items": ("上报记录", "条"),
    "reports": ("信用报告存档", "份"),
    "upload_files": ("上传原始文件", "个"),
    "attachments": ("材料和答复文件", "个"),
}
# Actions whose audit entries name a record with the batch that wrote it and its subject then.
WRITES = ("record.store", "record.update")
UNFINISHED = (UploadBatchStatus.QUEUED, UploadBatchStatus.RUNNING)


@dataclass(frozen=True)
class RetentionDue:
    """A record whose retention has passed. No content: ids, the kind and the dates that decide."""

    record_id: int
    kind: str
    subject_id: int
    rule_code: str
    ended_on: date  # the day the conduct or event ended (the years run from it)
    kept_until: date  # the last day it was to be kept


@dataclass
class RetentionRun:
    """What one run removed in the current district (or, in a dry run, would remove)."""

    on: date
    dry_run: bool
    due: list[RetentionDue] = field(default_factory=list)
    deleted: list[RetentionDue] = field(default_factory=list)
    copies: Counter[str] = field(default_factory=Counter)

    def by_kind(self) -> dict[str, int]:
        listed = self.due if self.dry_run else self.deleted
        return dict(sorted(Counter(d.kind for d in listed).items()))

    def summary(self) -> str:
        """One line in Chinese, as staff read it in the audit log and the command prints it."""
        listed = self.due if self.dry_run else self.deleted
        verb = "将删除" if self.dry_run else "删除"
        if not listed:
            return f"{self.on:%Y-%m-%d} 没有保存期满的个人不良信息，未删除任何记录。"
        kinds = "、".join(f"{KIND_LABELS.get(k, k)}{n}条" for k, n in self.by_kind().items())
        rules = "、".join(sorted({d.rule_code for d in listed}))
        text = (
            f"{self.on:%Y-%m-%d} 依据《征信业管理条例》第十六条（保存期限规则{rules}）"
            f"{verb}保存期满的个人不良信息{len(listed)}条（{kinds}）"
        )
        copies = "、".join(
            f"{label}{self.copies[key]}{unit}"
            for key, (label, unit) in COPY_LABELS.items()
            if self.copies[key]
        )
        return text + (f"；同时删除{copies}。" if copies else "。")


def conduct_ended_on(
    *,
    runs_from: str,
    decision_date: date,
    penalty_term_end: str | None,
    publicity_end: date,
    repaired_on: date | None,
    withdrawn_on: date | None,
) -> date:
    """The day the conduct or event ended, from which the retention years run.

    - a penalty: the last day of its term (处罚有效期, CF_YXQ, as supplied; its decision date
      when the term is missing or unreadable), the nearest the national format comes to the day
      it was carried out;
    - a list entry (black list, 失信被执行人, 经营异常名录): the last day it stood on the list,
      `publicity_end` (the listing body's stated end when earlier than the rules' maximum);
    - any record: earlier if a repair was approved (the listing body removed it, or the subject
      proved the wrong corrected) or the decision was revoked or changed (withdrawn): that day.

    Never before the decision date."""
    if runs_from == RetentionStart.PENALTY_TERM_END:
        ended = (parse_date(penalty_term_end) if penalty_term_end else None) or decision_date
    elif runs_from == RetentionStart.LISTING_END:
        ended = publicity_end
    else:
        ended = decision_date
    for earlier in (repaired_on, withdrawn_on):
        if earlier is not None and earlier < ended:
            ended = earlier
    return max(ended, decision_date)


def records_past_retention(
    *, today: date, rules: RetentionRules | None = None, ids: list[int] | None = None
) -> list[RetentionDue]:
    """Records of the current district whose retention ended before `today`, oldest first.
    A record still being written by an unfinished upload waits for it (its file is deleted with
    it). `ids` narrows the search (the delete re-checks its chunk under lock with it)."""
    rules = rules or RetentionRules()
    years = rules.fewest_years()
    if not years:
        return []
    # Nothing decided since this can be due yet (a record is kept `years` from a day no earlier
    # than its decision); the margin covers 29 February.
    latest_decision = add_months(today, -12 * years) + timedelta(days=2)
    rows = Record.objects.filter(
        subject__kind__in=rules.subject_kinds(),
        kind__in=rules.record_kinds(),
        decision_date__lt=latest_decision,
    )
    if ids is not None:
        rows = rows.filter(id__in=ids).select_for_update(of=("self",))
    found = list(
        rows.annotate(term_end=KeyTextTransform("CF_YXQ", "fields"))
        .order_by("decision_date", "id")
        .values_list(
            "id", "kind", "subject_id", "subject__kind", "decision_date", "publicity_end",
            "term_end", "repaired_at", "withdrawn_at", "revoked_on", "batch_id",
        )
    )  # fmt: skip
    waiting = set(
        UploadBatch.objects.filter(
            id__in={row[10] for row in found if row[10] is not None}, status__in=UNFINISHED
        ).values_list("id", flat=True)
    )
    due = []
    for pk, kind, subject, subject_kind, decided, end, term_end, repaired, withdrawn, revoked, batch in found:  # fmt: skip
        term = rules.term(decision_date=decided, subject_kind=subject_kind, record_kind=kind)
        if term is None or batch in waiting:
            continue
        ended = conduct_ended_on(
            runs_from=term.runs_from,
            decision_date=decided,
            penalty_term_end=term_end,
            publicity_end=end,
            repaired_on=timezone.localdate(repaired) if repaired else None,
            withdrawn_on=revoked or (timezone.localdate(withdrawn) if withdrawn else None),
        )
        kept_until = term.kept_until(ended)
        if kept_until < today:
            due.append(RetentionDue(pk, kind, subject, term.rule_code, ended, kept_until))
    return due


def records_retention_delete(
    *, today: date, actor: Actor, dry_run: bool = False, chunk: int = CHUNK
) -> RetentionRun:
    """Delete, in the current district, the negative information about people kept past its
    retention, with its revisions, objections, repair applications, the submission it came from,
    its upstream report items, the stored reports that list it and the upload files that carried
    it. One transaction per chunk of records; each chunk appends one audit entry naming the
    record ids, the rule versions and the counts, never the content. The subjects are rescored
    after commit. A dry run only finds what is due. Idempotent: a second run finds nothing."""
    rules = RetentionRules()
    run = RetentionRun(
        on=today, dry_run=dry_run, due=records_past_retention(today=today, rules=rules)
    )
    if dry_run:
        return run
    ids = [d.record_id for d in run.due]
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            part = RetentionRun(on=today, dry_run=False)
            _delete_chunk(part, ids[start : start + chunk], today=today, rules=rules)
            if part.deleted:
                audit_record(actor=actor, action="retention.delete", details=_audit_details(part))
        run.deleted += part.deleted
        run.copies.update(part.copies)
    return run


def _delete_chunk(run: RetentionRun, ids: list[int], *, today: date, rules: RetentionRules) -> None:
    """Inside the caller's transaction: lock the chunk, check it again, delete it and its copies."""
    run.deleted = records_past_retention(today=today, rules=rules, ids=ids)
    ids = [d.record_id for d in run.deleted]
    if not ids:
        return
    records = Record.objects.filter(id__in=ids)
    written = AuditEntry.objects.filter(record_id__in=ids, action__in=WRITES)
    # Every batch that wrote one of these records (the revisions name the correcting batches,
    # the audit log the first), and every subject one of them belonged to.
    batches = set(records.exclude(batch_id=None).values_list("batch_id", flat=True))
    batches |= set(
        RecordRevision.objects.filter(record_id__in=ids)
        .exclude(batch_id=None)
        .values_list("batch_id", flat=True)
    )
    batches |= {int(b) for b in written.values_list("details__batch", flat=True) if b is not None}
    subjects = set(records.values_list("subject_id", flat=True))
    subjects |= {s for s in written.values_list("subject_id", flat=True) if s is not None}
    documents = set(records.values_list("doc_number", flat=True))
    stored_from = records.aggregate(first=Min("created_at"))["first"]
    files: list[str] = []

    run.copies["revisions"] = RecordRevision.objects.filter(record_id__in=ids).delete()[0]
    objections = Objection.objects.filter(record_id__in=ids)
    for attachment, reply in objections.values_list("attachment", "reply_pdf"):
        files += [attachment, reply]
    run.copies["objections"] = objections.delete()[0]
    repairs = RepairApplication.objects.filter(record_id__in=ids)
    for materials in repairs.values_list("materials", flat=True):
        files += list(materials.values())
    run.copies["repairs"] = repairs.delete()[0]
    submissions = Submission.objects.filter(
        Q(record_id__in=ids) | Q(id__in=records.exclude(submission_id=None).values("submission_id"))
    )
    files += list(submissions.values_list("attachment", flat=True))
    run.copies["submissions"] = submissions.delete()[0]
    run.copies["upstream_items"] = OutboxItem.objects.filter(record_id__in=ids).delete()[0]
    run.copies["attachments"] = len([name for name in files if name])
    records.delete()

    uploads = UploadBatch.objects.filter(id__in=batches).exclude(file_name_in_storage="")
    uploads = uploads.exclude(status__in=UNFINISHED)
    upload_files = dict(uploads.values_list("id", "file_name_in_storage"))
    UploadBatch.objects.filter(id__in=upload_files).update(file_name_in_storage="")
    run.copies["upload_files"] = len(upload_files)
    reports = _reports_listing(subjects, documents, stored_from)
    for report in reports:
        files += [report.stored_json, report.stored_pdf]
    Report.objects.filter(id__in=[r.pk for r in reports]).update(stored_json="", stored_pdf="")
    run.copies["reports"] = len(reports)

    data_changed()
    subjects_changed(subjects, reason="record.retention")
    # Last, once every row is gone: should the commit still fail, the next run finds the same
    # records and deletes the same (by then missing) files again.
    for name in [*files, *upload_files.values()]:
        if name:
            default_storage.delete(name)


def _reports_listing(
    subjects: set[int], documents: set[str], stored_from: datetime
) -> list[Report]:
    """The stored reports of these subjects, issued since the first of the records was stored,
    that list one of these decision documents (or whose stored content is already gone)."""
    found = []
    candidates = Report.objects.filter(subject_id__in=subjects, issued_at__gte=stored_from)
    for report in candidates.exclude(stored_json="").order_by("id"):
        if not default_storage.exists(report.stored_json):
            found.append(report)
            continue
        with default_storage.open(report.stored_json, "rb") as handle:
            content = json.loads(handle.read())
        listed = {
            item.get("doc_number")
            for section in content.get("sections", [])
            for item in section.get("items", [])
            if isinstance(item, dict)
        }
        if listed & documents:
            found.append(report)
    return found


def _audit_details(run: RetentionRun) -> dict[str, Any]:
    by_rule: dict[str, list[int]] = {}
    for due in run.deleted:
        by_rule.setdefault(due.rule_code, []).append(due.record_id)
    return {
        "on": run.on.isoformat(),
        "records": by_rule,
        "counts": run.by_kind(),
        "copies": {key: run.copies[key] for key in COPY_LABELS},
        "summary": run.summary(),
    }
