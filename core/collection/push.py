"""Department systems pushing records over the API: keys, and the idempotent bulk push."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.catalog.models import Department
from core.collection.layouts import origin_of
from core.collection.models import DepartmentApiKey, PushRequest
from core.collection.permissions import DEPARTMENT_KEY_ISSUE
from core.collection.services import refused_problem, validation_context
from core.common.actors import Actor, ActorKind
from core.common.errors import Conflict, PermissionDenied, ValidationFailed
from core.records.drafts import RecordDraft
from core.records.fields import FIELD_SETS
from core.records.headers import ColumnStatus, recognise
from core.records.layout import Layout, Shaper
from core.records.staging import Outcome, Provenance, records_mark_derived, records_store
from core.records.validation import Problem, validate_row

MAX_PUSH_RECORDS = 1000
KEY_PREFIX = "dk_"


def department_key_issue(*, actor: User, department: Department, name: str) -> str:
    """A new key for a department's system (district admins only); returned once, stored hashed."""
    require(actor, DEPARTMENT_KEY_ISSUE)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    DepartmentApiKey.objects.create(
        department=department,
        name=name.strip() or "接口",
        prefix=secret[:12],
        key_hash=_hash(secret),
    )
    return secret


def department_key_authenticate(secret: str) -> DepartmentApiKey | None:
    """The live key matching `secret` in the current district, or None."""
    if not secret.startswith(KEY_PREFIX):
        return None
    return (
        DepartmentApiKey.objects.select_related("department")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class PushedRecordResult:
    index: int
    outcome: str  # stored / updated / duplicate / rejected
    record_id: int | None = None
    problems: list[dict[str, str]] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # fields the platform filled (unprefixed)


@dataclass
class PushResult:
    results: list[PushedRecordResult]
    replayed: bool = False

    def counts(self) -> dict[str, int]:
        totals = {"stored": 0, "updated": 0, "duplicate": 0, "rejected": 0}
        for r in self.results:
            totals[r.outcome] += 1
        return totals


def records_push(
    *, key: DepartmentApiKey, idempotency_key: str, prefix: str, records: list[Any]
) -> PushResult:
    """Validate and store pushed records exactly as an upload would. The same idempotency key with
    the same records returns the first answer and stores nothing more; with other records it is an
    error."""
    if prefix not in FIELD_SETS:
        raise ValidationFailed("kind 应为 PENALTY、LICENSE 或 RECORD", field="kind")
    if not 1 <= len(idempotency_key) <= 100:
        raise ValidationFailed("idempotencyKey 长度应为1–100", field="idempotencyKey")
    if not 1 <= len(records) <= MAX_PUSH_RECORDS:
        raise ValidationFailed(f"每次推送1–{MAX_PUSH_RECORDS}条记录", field="records")
    for index, raw in enumerate(records):
        if not isinstance(raw, dict):
            raise ValidationFailed(f"第{index}条记录应为“字段代码: 值”的对象", field="records")
    request_hash = hashlib.sha256(
        json.dumps([prefix, records], sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    department = key.department
    earlier = PushRequest.objects.filter(
        department=department, idempotency_key=idempotency_key
    ).first()
    if earlier is not None:
        return _replay(earlier, request_hash)
    actor = Actor(kind=ActorKind.SYSTEM, label=f"api:{department.code}:{key.prefix}")
    layouts = _layouts(prefix, records)
    ctx = validation_context(department=department, prefix=prefix)
    origin = origin_of(department)
    shapers = {keys: Shaper(layout, origin) for keys, layout in layouts.items()}
    results: list[PushedRecordResult] = []
    drafts: list[tuple[int | None, RecordDraft]] = []
    positions: list[int] = []
    derived: list[dict[str, str]] = []
    for index, raw in enumerate(records):
        shaper = shapers[tuple(str(k) for k in raw)]
        shaped = shaper.shape(["" if v is None else str(v) for v in raw.values()])
        outcome = validate_row(prefix, shaped.as_dict(shaper.specs), ctx)
        if isinstance(outcome, list) or shaped.problems:
            problems = shaper.explain_underivable(
                outcome if isinstance(outcome, list) else [], shaped
            )
            results.append(
                PushedRecordResult(index, "rejected", problems=[_problem(p) for p in problems])
            )
        else:
            positions.append(len(results))
            results.append(PushedRecordResult(index, "pending", derived=sorted(shaped.derived)))
            drafts.append((None, outcome))
            derived.append(shaped.derived)
    try:
        with transaction.atomic():
            stored = records_store(
                drafts=drafts, provenance=Provenance(actor=actor, department_id=department.pk)
            )
            marks: dict[int, dict[str, str]] = {}
            for position, (_, draft), result, put in zip(
                positions, drafts, stored, derived, strict=True
            ):
                if result.outcome == Outcome.REFUSED:
                    p = refused_problem(prefix, draft.doc_number, result)
                    results[position].outcome = "rejected"
                    results[position].problems = [_problem(p)]
                    results[position].derived = []
                    continue
                results[position].outcome, results[position].record_id = (
                    result.outcome.value,
                    result.record_id,
                )
                if result.outcome != Outcome.DUPLICATE and put:
                    marks[result.record_id] = put
            notes = {
                code: how for layout in layouts.values() for code, how in layout.derived().items()
            }
            with connection.cursor() as cursor:
                records_mark_derived(cursor, prefix, marks, notes)
            PushRequest.objects.create(
                department=department,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                response={"results": [asdict(r) for r in results]},
                created_at=timezone.now(),
            )
    except IntegrityError:
        # The same key arrived twice at once: the other request won; answer as it did.
        return _replay(
            PushRequest.objects.get(department=department, idempotency_key=idempotency_key),
            request_hash,
        )
    return PushResult(results)


def _problem(p: Problem) -> dict[str, str]:
    return {"field": p.field, "label": p.label, "value": p.value, "message": p.message}


def _layouts(prefix: str, records: list[dict[str, Any]]) -> dict[tuple[str, ...], Layout]:
    """Each distinct set of keys in the push read as a header row. A key no field matches, or two
    keys for one field, refuses the whole push before anything is stored (a field dropped
    unseen would store records without it), naming the keys."""
    layouts: dict[tuple[str, ...], Layout] = {}
    unknown: dict[str, list[int]] = {}
    doubled: set[str] = set()
    for index, raw in enumerate(records):
        keys = tuple(str(k) for k in raw)
        layout = layouts.get(keys)
        if layout is None:
            layout = layouts[keys] = Layout.recognised(prefix, list(keys))
        for column in recognise(list(keys), prefix):
            if column.status == ColumnStatus.DUPLICATE:
                first = keys[layout.sources()[column.code][0]]
                doubled.add(f"{first}与{column.header}")
            elif column.index in layout.undecided:
                unknown.setdefault(column.header, []).append(index)
    if unknown:
        said = "、".join(
            f"{key}（第{'、'.join(str(i) for i in at[:5])}{'等' if len(at) > 5 else ''}条）"
            for key, at in sorted(unknown.items())
        )
        raise ValidationFailed(
            f"未识别的字段：{said}。请使用国家标准的字段代码或中文名称；本次推送未存储任何记录",
            code="UNKNOWN_FIELDS",
            field="records",
            details={"unknownFields": sorted(unknown)},
        )
    if doubled:
        raise ValidationFailed(
            f"同一字段出现了两次：{'；'.join(sorted(doubled))}。本次推送未存储任何记录",
            code="INVALID",
            field="records",
        )
    return layouts


def _replay(earlier: PushRequest, request_hash: str) -> PushResult:
    if earlier.request_hash != request_hash:
        raise Conflict(
            "该 idempotencyKey 已用于另一批记录",
            code="IDEMPOTENCY_KEY_REUSED",
            field="idempotencyKey",
        )
    return PushResult([PushedRecordResult(**r) for r in earlier.response["results"]], replayed=True)


def require_push_key(key: DepartmentApiKey | None) -> DepartmentApiKey:
    if key is None:
        raise PermissionDenied(
            "需要有效的部门接口密钥（Authorization: Bearer dk_…）", code="UNAUTHENTICATED"
        )
    return key
