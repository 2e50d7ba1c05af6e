"""联合奖惩 writes: matters and their rule versions, local measures, checks and feedback.

A check answers every line of its list: a subject found (with every finding in force and the
measures the matter's rules attach to them) or the reason it was not checked (invalid code, a
person where the matter's basis does not allow it, a duplicate, a name with several subjects,
past the 1,000-line limit). Each subject checked is written to its query log; the subject's own
report lists the check."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.catalog.models import Department
from core.common.actors import Actor
from core.common.codes import verification_code
from core.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.common.identifiers import (
    mask_resident_id,
    normalise,
    resident_id_problem,
    uscc_problem,
)
from core.common.workdays import add_working_days
from core.discipline.catalogue import default_rules
from core.discipline.enums import (
    CheckChannel,
    FeedbackOutcome,
    Finding,
    MatterCategory,
    MeasureKind,
    MeasureSource,
    RowStatus,
)
from core.discipline.models import (
    Check,
    CheckRow,
    Feedback,
    Matter,
    MatterRule,
    MatterVersion,
    Measure,
)
from core.records.enums import RecordKind
from core.records.models import Record
from core.records.state import publishable_q
from core.reports.enums import QueryProduct, QueryResult, RequesterKind
from core.reports.models import QueryLog
from core.subjects.enums import SubjectKind
from core.subjects.models import Subject
from core.subjects.protection import lookup_hash

MAX_LINES = 1000
# A list may be longer: lines past MAX_LINES are answered (超出条数上限), not checked. Past this,
# the list is refused whole (a payload no department sends by mistake).
MAX_SUBMITTED = 2 * MAX_LINES
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CODE_SHAPE = re.compile(r"^[0-9A-Z]{15,18}$")
CHECKED_KINDS = [
    RecordKind.BLACK_LIST, RecordKind.COURT_ENFORCEMENT, RecordKind.ABNORMAL, RecordKind.PENALTY,
    RecordKind.RED_LIST, RecordKind.COMMITMENT_FULFILMENT,
]  # fmt: skip
FINDING_LABELS = dict(Finding.choices)


# Matters and measures ------------------------------------------------------------------------


def matter_register(
    *,
    actor: Actor,
    department: Department,
    name: str,
    category: str,
    legal_basis: str,
    persons_allowed: bool = False,
    feedback_days: int = 5,
) -> Matter:
    """A department's new matter, starting with its category's national rules (version 1)."""
    name, legal_basis = name.strip(), legal_basis.strip()
    if category not in MatterCategory.values:
        raise ValidationFailed("请选择事项类别", field="category")
    if not name:
        raise ValidationFailed("请填写事项名称", field="name")
    if not legal_basis:
        raise ValidationFailed("请填写核查依据（法律法规或文件名称及条款）", field="legal_basis")
    if not 1 <= feedback_days <= 60:
        raise ValidationFailed("反馈时限应为1至60个工作日", field="feedback_days")
    if Matter.objects.filter(department=department, name=name).exists():
        raise Conflict(f"{department.name}已有事项“{name}”", code="DUPLICATE", field="name")
    with transaction.atomic():
        matter = Matter.objects.create(
            department=department, name=name, category=category, legal_basis=legal_basis,
            persons_allowed=persons_allowed, feedback_days=feedback_days,
        )  # fmt: skip
        codes = {m.code: m for m in Measure.objects.all()}
        rules = [(f, codes[c]) for f, c in default_rules(category) if c in codes]
        _version_create(matter, rules, actor)
        audit_record(
            actor=actor,
            action="discipline.matter_register",
            details={"matter": name, "department": department.name},
        )
    return matter


def matter_rules_set(
    *, actor: Actor, matter: Matter, rules: Iterable[tuple[str, str]]
) -> MatterVersion:
    """Replace the matter's rules from today: a new version; earlier checks keep theirs."""
    wanted = list(dict.fromkeys(rules))
    codes = {m.code: m for m in Measure.objects.filter(active=True)}
    problems = [f"未知情形“{f}”" for f, _ in wanted if f not in Finding.values]
    problems += [f"未知或已停用的措施“{c}”" for _, c in wanted if c not in codes]
    if problems:
        raise ValidationFailed("；".join(problems), field="rules")
    with transaction.atomic():
        version = _version_create(matter, [(f, codes[c]) for f, c in wanted], actor)
        details = {"matter": matter.name, "version": version.number, "rules": len(wanted)}
        audit_record(actor=actor, action="discipline.matter_rules_set", details=details)
    return version


def _version_create(
    matter: Matter, rules: Sequence[tuple[str, Measure]], actor: Actor
) -> MatterVersion:
    latest = matter.versions.order_by("-number").first()
    version = MatterVersion.objects.create(
        matter=matter, number=(latest.number + 1) if latest else 1,
        valid_from=timezone.localdate(), created_by=actor.label,
    )  # fmt: skip
    MatterRule.objects.bulk_create(
        MatterRule(version=version, finding=finding, measure=measure) for finding, measure in rules
    )
    return version


def measure_add_local(
    *, actor: Actor, name: str, kind: str, legal_basis: str, findings: Sequence[str]
) -> Measure:
    """A measure the district adds (local regulations), with its legal basis."""
    name, legal_basis = name.strip(), legal_basis.strip()
    if not name or not legal_basis:
        raise ValidationFailed(
            "请填写措施名称及其依据", field="name" if not name else "legal_basis"
        )
    if kind not in MeasureKind.values:
        raise ValidationFailed("请选择措施类别（失信惩戒或守信激励）", field="kind")
    bad = [f for f in findings if f not in Finding.values]
    if bad or not findings:
        raise ValidationFailed("请选择措施适用的情形", field="findings")
    count = Measure.objects.filter(source=MeasureSource.LOCAL).count()
    measure = Measure.objects.create(
        code=f"DF-{count + 1:02d}", name=name, kind=kind, source=MeasureSource.LOCAL,
        group="本地措施", legal_basis=legal_basis, findings=list(findings),
    )  # fmt: skip
    audit_record(actor=actor, action="discipline.measure_add", details={"measure": name})
    return measure


def matter_current_version(matter: Matter) -> MatterVersion:
    version = matter.versions.order_by("-number").first()
    if version is None:  # a matter is always created with version 1
        raise NotFound("该事项尚未设置核查规则")
    return version


# Checks ----------------------------------------------------------------------------------------


@dataclass
class _Line:
    position: int
    given: str
    shown: str
    person: bool = False
    status: str = ""
    reason: str = ""
    subject: Subject | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)


def check_run(
    *,
    actor: Actor,
    department: Department,
    matter: Matter,
    entries: Sequence[str],
    channel: str = CheckChannel.CONSOLE,
    idempotency_key: str = "",
) -> Check:
    """Check the subjects of `entries` (codes, resident ID numbers or exact names) for `matter`."""
    if matter.department_id != department.pk:
        raise PermissionDenied(
            f"事项“{matter.name}”属于{matter.department.name}，不能以{department.name}的名义核查",
            code="FOREIGN_MATTER",
        )
    if not matter.active:
        raise ValidationFailed(f"事项“{matter.name}”已停用", code="MATTER_INACTIVE")
    lines = [e.strip() for e in entries]
    if sum(1 for line in lines if line) > MAX_SUBMITTED:
        raise ValidationFailed(
            f"名单超过{MAX_SUBMITTED}行：每次最多核查{MAX_LINES}条，请拆分后分批核查", field="codes"
        )
    if not any(lines):
        raise ValidationFailed("请填写至少一个统一社会信用代码、身份证号码或主体名称",
                               field="codes")  # fmt: skip
    request_hash = hashlib.sha256(
        json.dumps([matter.pk, lines], ensure_ascii=False).encode()
    ).hexdigest()
    if idempotency_key:
        earlier = Check.objects.filter(department=department, idempotency_key=idempotency_key)
        found = earlier.first()
        if found is not None:
            return _replayed(found, request_hash)
    today = timezone.localdate()
    version = matter_current_version(matter)
    parsed = _parse(lines, matter)
    _resolve(parsed)
    checked = [line for line in parsed if line.subject is not None]
    _find(checked, version, today)
    hits = sum(1 for line in checked if line.status == RowStatus.HIT)
    try:
        with transaction.atomic():
            check = Check.objects.create(
                number=f"HC{today:%Y%m%d}{secrets.randbelow(10**8):08d}",
                verification_code=verification_code(),
                matter=matter, version=version, department=department, channel=channel,
                actor=actor.label, user_id_ref=actor.user_id, idempotency_key=idempotency_key,
                request_hash=request_hash, rows_total=len(parsed), checked_total=len(checked),
                hits=hits,
                feedback_due=add_working_days(today, matter.feedback_days) if hits else None,
            )  # fmt: skip
            CheckRow.objects.bulk_create(
                CheckRow(credit_check=check, position=line.position, given=line.shown,
                         subject=line.subject, subject_name=line.subject.name if line.subject else "",
                         status=line.status, reason=line.reason, findings=line.findings,
                         measures=line.measures)
                for line in parsed
            )  # fmt: skip
            QueryLog.objects.bulk_create(
                QueryLog(subject=line.subject, requester_kind=RequesterKind.DEPARTMENT,
                         requester_name=department.name, requester_code=department.code,
                         purpose=f"信用核查：{matter.name}", product=QueryProduct.CREDIT_CHECK,
                         result=QueryResult.ISSUED, report_number=check.number,
                         handled_by=actor.label, at=check.checked_at)
                for line in checked if line.subject is not None
            )  # fmt: skip
            details = {"check": check.number, "matter": matter.name, "subjects": len(checked),
                       "hits": hits}  # fmt: skip
            audit_record(actor=actor, action="discipline.check", details=details)
    except IntegrityError:
        if not idempotency_key:
            raise
        found = Check.objects.filter(department=department, idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return _replayed(found, request_hash)
    return check


def _replayed(check: Check, request_hash: str) -> Check:
    if check.request_hash != request_hash:
        raise Conflict("该 idempotencyKey 已用于另一次核查", code="IDEMPOTENCY_KEY_REUSED",
                       field="idempotencyKey")  # fmt: skip
    return check


def _parse(lines: Sequence[str], matter: Matter) -> list[_Line]:
    """Classify each non-blank line; mark duplicates, invalid codes, persons not allowed and
    lines past the limit. Lines to look up keep their normalised value in `given`."""
    parsed: list[_Line] = []
    seen: dict[str, int] = {}
    counted = 0
    today = timezone.localdate()
    for position, raw in enumerate(lines, start=1):
        if not raw:
            continue
        named = bool(_CJK.search(raw))
        value = re.sub(r"\s+", "", raw) if named else normalise(raw)
        line = _Line(position=position, given=value, shown=value[:200])
        parsed.append(line)
        person, problem = (False, None) if named else _classify(value, today)
        if person:
            line.person, line.shown = True, mask_resident_id(value)
        counted += 1
        if counted > MAX_LINES:
            line.status, line.reason = (
                RowStatus.OVER_LIMIT,
                f"每次最多核查{MAX_LINES}条，本行未核查",
            )
        elif problem:
            line.status, line.reason = RowStatus.INVALID, problem
        elif person and not matter.persons_allowed:
            line.status = RowStatus.NOT_ALLOWED
            line.reason = "该事项的核查依据未规定可核查自然人，本行未核查"
        elif value in seen:
            line.status, line.reason = RowStatus.DUPLICATE, f"与第{seen[value]}行重复，未重复核查"
        else:
            seen[value] = position
    return parsed


def _classify(value: str, today: date) -> tuple[bool, str]:
    """(is a person's resident ID, the problem with the code or ""). An 18-character number is a
    person's when its resident-ID check holds, else it is read as a 统一社会信用代码."""
    if not _CODE_SHAPE.match(value):
        return False, "既不是统一社会信用代码或身份证号码，也不是主体名称"
    if len(value) == 15 and value.isdigit():
        problem = resident_id_problem(value, today=today)
        return True, problem.message if problem else ""
    if len(value) == 18 and value[:17].isdigit() and value[17] in "0123456789X":
        as_person = resident_id_problem(value, today=today)
        if as_person is None:
            return True, ""
        as_code = uscc_problem(value)
        if as_code is None:
            return False, ""
        return (True, as_person.message) if value[0] != "9" else (False, as_code.message)
    problem = uscc_problem(value)
    return False, problem.message if problem else ""


def _resolve(lines: list[_Line]) -> None:
    """Find the subjects of the lines still to check, in three queries at most."""
    pending = [line for line in lines if not line.status]
    codes = [line.given for line in pending if not line.person and not _CJK.search(line.given)]
    people = {lookup_hash(line.given): line.given for line in pending if line.person}
    names = [line.given for line in pending if _CJK.search(line.given)]
    by_code = {s.uscc: s for s in Subject.objects.filter(uscc__in=codes)} if codes else {}
    by_person = (
        {
            people[s.id_hash]: s
            for s in Subject.objects.filter(id_hash__in=list(people))
            if s.id_hash
        }  # fmt: skip
        if people
        else {}
    )
    by_name: dict[str, list[Subject]] = {}
    if names:
        for named in Subject.objects.filter(name__in=names).exclude(kind=SubjectKind.NATURAL):
            by_name.setdefault(named.name, []).append(named)
    taken: dict[int, int] = {}
    for line in pending:
        subject: Subject | None
        if _CJK.search(line.given):
            found = by_name.get(line.given, [])
            if len(found) > 1:
                line.status = RowStatus.INVALID
                line.reason = f"名称“{line.given}”对应{len(found)}个主体，请改用统一社会信用代码"
                continue
            subject = found[0] if found else None
        else:
            subject = by_code.get(line.given) or by_person.get(line.given)
        if subject is None:
            line.status = RowStatus.NOT_FOUND
            line.reason = "平台未归集到该主体的信用信息"
            continue
        if subject.pk in taken:
            line.status = RowStatus.DUPLICATE
            line.reason = f"与第{taken[subject.pk]}行是同一主体，未重复核查"
            continue
        taken[subject.pk] = line.position
        line.subject = subject
        if subject.kind == SubjectKind.NATURAL:
            line.shown = subject.id_masked or line.shown


def _find(lines: list[_Line], version: MatterVersion, today: date) -> None:
    """Every finding in force for the subjects, and the measures the rules attach to them."""
    by_subject = {line.subject.pk: line for line in lines if line.subject is not None}
    rules: dict[str, list[Measure]] = {}
    for rule in version.rules.select_related("measure").order_by("measure__code"):
        rules.setdefault(rule.finding, []).append(rule.measure)
    records = (
        Record.objects.filter(subject_id__in=list(by_subject), kind__in=CHECKED_KINDS)
        .filter(publishable_q(today))
        .order_by("subject_id", "-decision_date", "id")
        .values_list("subject_id", "id", "kind", "severity", "doc_number", "authority_name",
                     "decision_date", "publicity_end", "title", "fields")
    )  # fmt: skip
    for subject_id, rid, kind, severity, doc, authority, decided, until, title, fields in records:
        finding = _finding(kind, severity, title, fields)
        if finding is None:
            continue
        by_subject[subject_id].findings.append({
            "finding": finding, "label": FINDING_LABELS[finding], "record_id": rid,
            "doc_number": doc, "authority": authority, "date": decided.isoformat(),
            "until": until.isoformat(), "title": title,
        })  # fmt: skip
    for line in lines:
        line.status = RowStatus.HIT if line.findings else RowStatus.CLEAR
        chosen: dict[str, dict[str, Any]] = {}
        for found in line.findings:
            for measure in rules.get(found["finding"], []):
                entry = chosen.setdefault(measure.code, {
                    "code": measure.code, "name": measure.name, "kind": measure.kind,
                    "basis": measure.legal_basis, "findings": [],
                })  # fmt: skip
                if found["label"] not in entry["findings"]:
                    entry["findings"].append(found["label"])
        line.measures = list(chosen.values())


def _finding(kind: str, severity: str, title: str, fields: dict[str, Any]) -> str | None:
    text = f"{title} {fields.get('JL_NR', '')} {fields.get('JL_LX', '')}"
    if kind == RecordKind.BLACK_LIST:
        return Finding.MAJOR_TAX if "税收" in text else Finding.SERIOUS_DISHONESTY
    if kind == RecordKind.PENALTY:
        return Finding.SERIOUS_PENALTY if severity == "serious" else Finding.PENALTY
    if kind == RecordKind.COMMITMENT_FULFILMENT:
        verdict = f"{fields.get('JL_PJJG', '')} {title}"
        broken = "未履行" in verdict or "失信" in verdict
        return Finding.COMMITMENT_BROKEN if broken else None
    return {RecordKind.COURT_ENFORCEMENT: Finding.COURT_ENFORCEMENT,
            RecordKind.ABNORMAL: Finding.ABNORMAL,
            RecordKind.RED_LIST: Finding.RED_LIST}.get(RecordKind(kind))  # fmt: skip


# Feedback -------------------------------------------------------------------------------------


def feedback_record(
    *,
    actor: Actor,
    department: Department,
    row: CheckRow,
    applied: bool,
    outcome: str,
    measures: Sequence[str] = (),
    note: str = "",
) -> Feedback:
    """What the department did after a check that found something (once per subject)."""
    check = row.credit_check
    if check.department_id != department.pk:
        raise PermissionDenied("该核查由其他部门发起，不能代为反馈", code="FOREIGN_CHECK")
    if row.status != RowStatus.HIT:
        raise ValidationFailed("该主体未发现相关信息，无需反馈", code="NOTHING_FOUND")
    if outcome not in FeedbackOutcome.values:
        raise ValidationFailed("请选择办理结果", code="INVALID", field="outcome")
    note = note.strip()
    if applied and outcome == FeedbackOutcome.NORMAL:
        raise ValidationFailed("已采取措施时，办理结果不能是“正常办理（未采取措施）”",
                               field="outcome")  # fmt: skip
    if not applied and outcome != FeedbackOutcome.NORMAL:
        raise ValidationFailed("未采取措施时，办理结果应为“正常办理（未采取措施）”",
                               field="outcome")  # fmt: skip
    if not applied and not note:
        raise ValidationFailed("未采取措施的，请说明原因", field="note")
    offered = {m["code"] for m in row.measures}
    unknown = [c for c in measures if c not in offered]
    if unknown:
        raise ValidationFailed(f"措施{'、'.join(unknown)}不在本次核查的适用措施中",
                               field="measures")  # fmt: skip
    late = bool(check.feedback_due and timezone.localdate() > check.feedback_due)
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                row=row, applied=applied, outcome=outcome, measures=list(dict.fromkeys(measures)),
                note=note[:500], actor=actor.label, late=late,
            )  # fmt: skip
            details = {"check": check.number, "position": row.position,
                       "outcome": FeedbackOutcome(outcome).label}  # fmt: skip
            audit_record(actor=actor, action="discipline.feedback", details=details,
                         subject_id=row.subject_id)  # fmt: skip
    except IntegrityError as exc:
        raise Conflict("该主体的核查结果已反馈，不能重复反馈", code="ALREADY_FED_BACK") from exc
    return feedback
