"""Writes for objections and credit repair. Every action is audited against the record and its
subject; the record's state follows (disputed at once; repaired on approval) and scores follow it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.events import subjects_changed
from core.common.tenancy import current_schema
from core.common.versioning import data_changed
from core.records.enums import PUBLISHABLE_STATES
from core.records.models import Record
from core.records.state import record_state
from core.remedies.enums import Channel, ObjectionStatus, RepairStatus
from core.remedies.models import Objection, RepairApplication
from core.remedies.pdf import reply_pdf
from core.remedies.permissions import REMEDY_DECIDE
from core.storage.api import store_attachment

ANSWER_DAYS = 20  # 征信业管理条例 Art. 25: a written answer within 20 days
# Kinds that lower a subject's credit and may be repaired (licences and honours have nothing to repair).
REPAIRABLE = ("penalty", "abnormal", "black_list", "court_enforcement")
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Applicant:
    name: str
    phone: str
    channel: str

    def checked(self) -> Applicant:
        name = self.name.strip()
        if not 1 <= len(name) <= 50:
            raise ValidationFailed("请填写申请人姓名", field="applicant_name")
        phone = "".join(c for c in self.phone if c.isdigit() or c == "-")
        if not 7 <= len(phone.replace("-", "")) <= 13:
            raise ValidationFailed("请填写有效的联系电话", field="applicant_phone")
        if self.channel not in Channel.values:
            raise ValidationFailed("受理渠道不正确", field="channel")
        return Applicant(name, phone, self.channel)


def _number(prefix: str) -> str:
    stamp = timezone.localdate().strftime("%Y%m%d")
    return f"{prefix}{stamp}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))


def _text(raw: str, field: str, label: str, low: int = 10, high: int = 2000) -> str:
    text = raw.strip()
    if not low <= len(text) <= high:
        raise ValidationFailed(f"{label}应为{low}–{high}字", field=field)
    return text


def _shown(record: Record) -> None:
    state = record_state(record, timezone.localdate())
    if state not in PUBLISHABLE_STATES:
        raise ValidationFailed(f"该记录当前状态为“{state.label}”，不在公示中", code="NOT_PUBLISHED")


def objection_file(
    *,
    record: Record,
    applicant: Applicant,
    reason: str,
    actor: Actor,
    attachment: IO[bytes] | None = None,
) -> Objection:
    """Register an objection: the record shows as disputed at once; the answer is due in 20 days."""
    who = applicant.checked()
    text = _text(reason, "reason", "异议事项和理由")
    _shown(record)
    stored = store_attachment(attachment, folder="objections") if attachment else ""
    now = timezone.now()
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        objection = Objection.objects.create(
            number=_number("YY"), record=locked, subject_id=locked.subject_id, channel=who.channel,
            applicant_name=who.name, applicant_phone=who.phone, reason=text, attachment=stored,
            received_at=now, due_on=timezone.localdate(now) + timedelta(days=ANSWER_DAYS),
            received_by=actor.label,
        )  # fmt: skip
        if locked.disputed_since is None:
            Record.objects.filter(pk=locked.pk).update(disputed_since=now)
        audit_record(actor=actor, action="objection.file", record_id=locked.pk,
                     subject_id=locked.subject_id,
                     details={"objection": objection.number, "channel": who.channel})  # fmt: skip
        data_changed()
    return objection


def objection_answer(
    *, user: User, objection: Objection, outcome: str, reply: str, platform: str
) -> Objection:
    """Answer in writing: corrected (the record was corrected after the objection), confirmed, or
    both views recorded. The dispute mark goes when no other objection to the record is open."""
    require(user, REMEDY_DECIDE)
    if outcome not in (
        ObjectionStatus.CORRECTED,
        ObjectionStatus.CONFIRMED,
        ObjectionStatus.ANNOTATED,
    ):
        raise ValidationFailed("请选择处理结果", field="outcome")
    text = _text(reply, "reply", "书面答复")
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != ObjectionStatus.OPEN:
            raise ValidationFailed("该异议已答复", code="ALREADY_ANSWERED")
        record = (
            Record.objects.select_for_update(of=("self",))
            .select_related("subject")
            .get(pk=locked.record_id)
        )
        if outcome == ObjectionStatus.CORRECTED and not (
            record.withdrawn_at is not None
            or record.revisions.filter(replaced_at__gte=locked.received_at).exists()
        ):
            raise ValidationFailed(
                "记录尚未更正：请先由报送部门更正（或撤回）该记录，再答复“已更正”", field="outcome"
            )
        now = timezone.now()
        locked.status, locked.reply, locked.answered_at, locked.answered_by = (
            outcome,
            text,
            now,
            user.email,
        )
        pdf = reply_pdf(platform=platform, number=locked.number, subject=record.subject.name,
                        record=f"{record.get_kind_display()} {record.doc_number}",
                        outcome=ObjectionStatus(outcome).label, reply=text,
                        answered_on=f"{timezone.localdate(now):%Y年%m月%d日}")  # fmt: skip
        locked.reply_pdf = default_storage.save(f"objections/{locked.number}.pdf", ContentFile(pdf))
        locked.save(update_fields=["status", "reply", "answered_at", "answered_by", "reply_pdf"])
        if not Objection.objects.filter(record=record, status=ObjectionStatus.OPEN).exists():
            Record.objects.filter(pk=record.pk).update(disputed_since=None)
        audit_record(actor=Actor.for_user(user, schema=current_schema()), action="objection.answer",
                     record_id=record.pk, subject_id=record.subject_id,
                     details={"objection": locked.number, "outcome": outcome,
                              "late": timezone.localdate(now) > locked.due_on})  # fmt: skip
        data_changed()
    return locked


REQUIRED_MATERIALS = {
    "commitment": "信用修复承诺书",
    "rectification": "已纠正失信行为、履行法定义务的证明材料",
}
OPTIONAL_MATERIALS = {"licence": "营业执照复印件", "handler_id": "经办人身份证件复印件"}


def repair_apply(
    *,
    record: Record,
    applicant: Applicant,
    statement: str,
    materials: dict[str, IO[bytes]],
    actor: Actor,
) -> RepairApplication:
    """Take a repair application: the record must be public, of a kind that can be repaired, past
    its minimum publicity period (by the rules of its own regime), and the required materials must
    be there."""
    who = applicant.checked()
    text = _text(statement, "statement", "整改情况说明")
    _shown(record)
    if record.kind not in REPAIRABLE:
        raise ValidationFailed(
            f"“{record.get_kind_display()}”信息无需信用修复", code="NOT_REPAIRABLE"
        )
    today = timezone.localdate()
    if today < record.repair_from:
        raise ValidationFailed(
            f"该记录按“{record.regime_code}”规则最短公示期至{record.repair_from:%Y年%m月%d日}，"
            "届满后方可申请信用修复",
            code="TOO_EARLY",
        )
    missing = [label for key, label in REQUIRED_MATERIALS.items() if key not in materials]
    if missing:
        raise ValidationFailed(f"请提交：{'、'.join(missing)}", field="materials")
    if RepairApplication.objects.filter(record=record, status=RepairStatus.SUBMITTED).exists():
        raise ValidationFailed("该记录已有待审核的修复申请", code="ALREADY_PENDING")
    known = REQUIRED_MATERIALS | OPTIONAL_MATERIALS
    stored = {
        key: store_attachment(file, folder="repairs", field=key)
        for key, file in materials.items()
        if key in known
    }
    try:
        with transaction.atomic():
            application = RepairApplication.objects.create(
                number=_number("XF"), record=record, subject_id=record.subject_id,
                channel=who.channel, applicant_name=who.name, applicant_phone=who.phone,
                statement=text, materials=stored,
            )  # fmt: skip
            audit_record(actor=actor, action="repair.apply", record_id=record.pk,
                         subject_id=record.subject_id, details={"application": application.number})  # fmt: skip
    except IntegrityError:
        for name in stored.values():  # another application won the race: keep no orphan files
            default_storage.delete(name)
        raise ValidationFailed("该记录已有待审核的修复申请", code="ALREADY_PENDING") from None
    return application


def repair_decide(
    *, user: User, application: RepairApplication, approve: bool, reason: str
) -> RepairApplication:
    """Approve (publication ends, sharing stops, the subject is rescored) or refuse with the reason."""
    require(user, REMEDY_DECIDE)
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationFailed("不予修复须说明理由", field="reason")
    with transaction.atomic():
        locked = RepairApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status != RepairStatus.SUBMITTED:
            raise ValidationFailed("该申请已审核", code="ALREADY_DECIDED")
        now = timezone.now()
        locked.status = RepairStatus.APPROVED if approve else RepairStatus.REFUSED
        locked.decided_at, locked.decided_by, locked.decision_reason = now, user.email, reason[:500]
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        record = Record.objects.select_for_update().get(pk=locked.record_id)
        if approve and record.repaired_at is None:
            Record.objects.filter(pk=record.pk).update(repaired_at=now)
            data_changed()
            subjects_changed([record.subject_id], reason="record.repair")
        audit_record(actor=Actor.for_user(user, schema=current_schema()),
                     action="repair.approve" if approve else "repair.refuse", record_id=record.pk,
                     subject_id=record.subject_id,
                     details={"application": locked.number, "reason": reason})  # fmt: skip
    return locked
