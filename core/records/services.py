"""Writes for records."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.catalog.permissions import DEPARTMENT_DATA
from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.events import subjects_changed
from core.common.tenancy import current_schema
from core.common.versioning import data_changed
from core.publicity.enums import Sector
from core.publicity.rules import PublicityRules, PublicityWindow
from core.publicity.sectors import infer_sector
from core.records.drafts import content_hash
from core.records.enums import RecordKind, RecordState, SectorSource
from core.records.models import Record, RecordRevision
from core.records.permissions import RECORD_WITHDRAW
from core.records.state import record_state
from core.records.validation import parse_date
from core.subjects.protection import decrypt, encrypted_with_current_key, reencrypt


@transaction.atomic
def record_withdraw(*, record: Record, user: User, reason: str, revoked_on: date) -> Record:
    """Withdraw a published penalty that was changed or revoked (行政处罚法 Art. 48): publication
    ends at once, the reason is kept, and whether it happened within 3 days is on the record.
    Reviewers and district admins only."""
    require(user, RECORD_WITHDRAW)
    actor = Actor.for_user(user, schema=current_schema())
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("撤回必须说明原因", field="reason")
    record = Record.objects.select_for_update().get(pk=record.pk)  # one withdrawal at a time
    if record.withdrawn_at is not None:
        raise ValidationFailed("该记录已撤回", code="ALREADY_WITHDRAWN")
    now = timezone.now()
    if revoked_on > timezone.localdate(now):
        raise ValidationFailed("撤销或变更决定日期不能晚于今天", field="revoked_on")
    record.withdrawn_at, record.withdrawal_reason, record.revoked_on = now, reason, revoked_on
    record.save(update_fields=["withdrawn_at", "withdrawal_reason", "revoked_on"])
    data_changed()
    subjects_changed([record.subject_id], reason="record.withdraw")
    late_days = (timezone.localdate(now) - revoked_on).days
    audit_record(
        actor=actor,
        action="record.withdraw",
        record_id=record.pk,
        subject_id=record.subject_id,
        details={
            "reason": reason,
            "revoked_on": revoked_on.isoformat(),
            "within_3_days": late_days <= 3,
        },
    )
    return record


def records_expire_due(*, today: date, actor: Actor) -> int:
    """Mark records whose publicity ended before `today` (their state is already 'expired' by date;
    the mark lets later work, such as rescoring, find what changed). Returns how many."""
    due = Record.objects.filter(publicity_end__lt=today, expired_at__isnull=True)
    with transaction.atomic():
        rows = list(due.select_for_update(skip_locked=True).values_list("id", "subject_id"))
        ids = [pk for pk, _ in rows]
        Record.objects.filter(id__in=ids).update(expired_at=timezone.now())
        if ids:
            data_changed()
            subjects_changed({s for _, s in rows}, reason="record.expire")
            audit_record(
                actor=actor,
                action="record.expire",
                details={"count": len(ids), "on": today.isoformat()},
            )
    return len(ids)


@dataclass(frozen=True)
class ResealResult:
    records: int  # records with sealed fields
    changed: int  # re-encrypted or re-hashed now (0 on a second run)


def records_reseal(*, chunk: int = 1000) -> ResealResult:
    """After a key rotation, in the current district: every record's sealed fields re-encrypted
    with the current data key (revisions' too), and its content hash recomputed with the current
    lookup key, so the same file uploaded again stays a duplicate. Idempotent; one transaction per
    chunk, ids in order."""
    total = changed = 0
    for model in (Record, RecordRevision):
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last)
                    .exclude(sealed={})
                    .order_by("pk")
                    .only("pk", "fields", "sealed", "content_hash")[:chunk]
                )
                if not rows:
                    break
                touched = []
                for row in rows:
                    fresh = _resealed(row.fields, row.sealed)
                    if model is RecordRevision:
                        fresh = (row.content_hash, fresh[1])  # a revision keeps the hash it had
                    if fresh != (row.content_hash, row.sealed):
                        row.content_hash, row.sealed = fresh
                        touched.append(row)
                model.objects.bulk_update(touched, ["content_hash", "sealed"])
                last = rows[-1].pk
                if model is Record:
                    total, changed = total + len(rows), changed + len(touched)
    return ResealResult(records=total, changed=changed)


def _resealed(fields: dict[str, str], sealed: dict[str, str]) -> tuple[str, dict[str, str]]:
    clear = {code: decrypt(token) for code, token in sealed.items()}
    fields_json = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    tokens = {
        code: token if encrypted_with_current_key(token) else reencrypt(token)
        for code, token in sealed.items()
    }
    return content_hash(fields_json, clear), tokens


# Records whose publication is over: a new field (领域) does not reopen them.
CLOSED = {
    RecordState.WITHDRAWN: "已撤回",
    RecordState.REPAIRED: "已信用修复",
    RecordState.EXPIRED: "公示期已满",
}
# What a penalty's field sets, as audited before and after a change.
SECTOR_COLUMNS = (
    "sector", "sector_source", "regime_code", "published_by_rule", "repair_from", "publicity_end",
)  # fmt: skip
# What recomputing a record's field reads: its text, its window's inputs, its state's markers.
SECTOR_READ = (
    *SECTOR_COLUMNS, "fields", "decision_date", "severity", "subject_id", "withdrawn_at",
    "repaired_at", "disputed_since",
)  # fmt: skip


def _sector_window(rules: PublicityRules, record: Record, sector: str) -> PublicityWindow:
    """The record's window with this field, by the regime of its decision date, keeping the end
    its department requested (CF_GSJZQ; ValidationFailed when the new minimum passes it)."""
    requested = parse_date(str(record.fields.get("CF_GSJZQ", ""))) or None
    return rules.window(
        decision_date=record.decision_date,
        severity=record.severity,
        sector=sector,
        requested_end=requested,
    )


def _inferred(record: Record) -> str:
    """A stored penalty's field as validation would infer it now."""
    text = {code: str(record.fields.get(f"CF_{code}", "")) for code in ("YJ", "WFXW", "SY")}
    return infer_sector(text["YJ"], text["WFXW"], text["SY"]).value


def _sector_values(record: Record) -> dict[str, object]:
    """The columns a field sets, as audited (dates in ISO form)."""
    values = {column: getattr(record, column) for column in SECTOR_COLUMNS}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _sector_apply(record: Record, sector: str, source: str, window: PublicityWindow) -> bool:
    """Set the field and its window on `record` (unsaved); whether its publication end moved."""
    moved = (window.published, window.end) != (record.published_by_rule, record.publicity_end)
    record.sector, record.sector_source, record.regime_code = sector, source, window.regime_code
    record.published_by_rule, record.repair_from = window.published, window.repair_from
    record.publicity_end = window.end
    return moved


@transaction.atomic
def record_sector_set(*, record: Record, user: User, sector: str) -> Record:
    """A clerk states a penalty's field (领域): its window is recomputed by the regime in force on
    its decision date, and the field is kept as the clerk's (neither a later inference nor
    `manage.py records_sector` changes it; a correction from the department replaces it, as it
    replaces the whole record). A record withdrawn, repaired or past its publicity is not reopened:
    refused. Whoever may correct the department's records."""
    require(user, DEPARTMENT_DATA, record.department_id)
    if sector not in Sector.values:
        raise ValidationFailed("请选择行业领域", field="sector")
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.kind != RecordKind.PENALTY:
        raise ValidationFailed("只有行政处罚记录区分行业领域", code="NOT_PENALTY")
    closed = CLOSED.get(record_state(record, timezone.localdate()))
    if closed is not None:
        raise ValidationFailed(
            f"该记录{closed}，公示已经结束，不因行业领域重新计算公示期限或恢复公示",
            code="RECORD_CLOSED",
        )
    try:
        window = _sector_window(PublicityRules(), record, sector)
    except ValidationFailed as exc:
        raise ValidationFailed(
            f"按所选行业领域，{exc.message}，请由报送部门先更正公示截止期", field="sector"
        ) from exc
    before = _sector_values(record)
    moved = _sector_apply(record, sector, SectorSource.CLERK, window)
    after = _sector_values(record)
    if after == before:
        return record
    record.save(update_fields=list(SECTOR_COLUMNS))
    data_changed()
    if moved:
        subjects_changed([record.subject_id], reason="record.sector")
    audit_record(
        actor=Actor.for_user(user, schema=current_schema()),
        action="record.sector_set",
        record_id=record.pk,
        subject_id=record.subject_id,
        details={"before": before, "after": after},
    )
    return record


@dataclass
class SectorRecompute:
    """What `records_sector_recompute` did (or, in a dry run, would do) in one district."""

    dry_run: bool
    examined: int = 0  # penalties whose field the platform infers
    windows: int = 0  # whose window changed (with their field)
    sectors: int = 0  # whose field changed, their window not (a regime without field rules)
    closed: Counter[str] = field(default_factory=Counter)  # left alone, by state (CLOSED)
    conflicts: list[int] = field(default_factory=list)  # the requested end would fall short
    planned: list[tuple[int, dict[str, object], dict[str, object]]] = field(default_factory=list)

    def summary(self) -> str:
        done = "将" if self.dry_run else "已"
        closed = "、".join(f"{label}{self.closed[state]}条" for state, label in CLOSED.items())
        text = (
            f"检查由系统推断领域的行政处罚记录{self.examined}条：公示期限{done}变更{self.windows}条，"
            f"仅领域{done}变更{self.sectors}条（公示期限不变）；未调整：{closed}，"
            f"公示截止期早于新的最短公示期届满日{len(self.conflicts)}条"
        )
        return text + ("（试运行，未作任何更改）" if self.dry_run else "")


def records_sector_recompute(
    *, actor: Actor, today: date, dry_run: bool = False, chunk: int = 1000
) -> SectorRecompute:
    """Infer again the field of every penalty whose field the platform inferred (not those a
    column or a clerk stated) and recompute its window by the regime of its decision date, in the
    current district. Records withdrawn, repaired or past their publicity are left alone (counted),
    and so are those whose requested end (CF_GSJZQ) the new minimum passes (listed). Every change
    is audited with its dates before and after. Idempotent; one transaction per chunk."""
    run = SectorRecompute(dry_run=dry_run)
    rules = PublicityRules()
    moved: set[int] = set()
    last = 0
    while True:
        with transaction.atomic():
            penalties = Record.objects.filter(
                kind=RecordKind.PENALTY, sector_source=SectorSource.INFERRED, pk__gt=last
            ).order_by("pk")
            if not dry_run:
                penalties = penalties.select_for_update()
            rows = list(penalties.only(*SECTOR_READ)[:chunk])
            if not rows:
                break
            last = rows[-1].pk
            changed = []
            for record in rows:
                run.examined += 1
                state = record_state(record, today)
                before = _sector_values(record)
                sector = _inferred(record)
                try:
                    window = _sector_window(rules, record, sector)
                except ValidationFailed:
                    if state not in CLOSED:
                        run.conflicts.append(record.pk)
                    continue
                record_moved = _sector_apply(record, sector, SectorSource.INFERRED, window)
                after = _sector_values(record)
                if after == before:
                    continue
                if state in CLOSED:
                    run.closed[state] += 1
                    continue
                dates = ("repair_from", "publicity_end")
                if any(before[d] != after[d] for d in dates):
                    run.windows += 1
                else:
                    run.sectors += 1
                if dry_run:
                    run.planned.append((record.pk, before, after))
                    continue
                changed.append(record)
                if record_moved:
                    moved.add(record.subject_id)
                audit_record(
                    actor=actor,
                    action="record.sector_recompute",
                    record_id=record.pk,
                    subject_id=record.subject_id,
                    details={"before": before, "after": after},
                )
            Record.objects.bulk_update(changed, list(SECTOR_COLUMNS))
            if changed:
                data_changed()
                subjects_changed(moved, reason="record.sector")
                moved = set()
    return run
