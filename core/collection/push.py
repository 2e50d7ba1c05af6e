"""Department systems pushing records over the API: keys, and the idempotent bulk push."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.catalog.models import Department
from core.collection.models import DepartmentApiKey, PushRequest
from core.collection.permissions import DEPARTMENT_KEY_ISSUE
from core.collection.services import refused_problem, validation_context
from core.common.actors import Actor, ActorKind
from core.common.errors import Conflict, PermissionDenied, ValidationFailed
from core.records.drafts import RecordDraft
from core.records.fields import FIELD_SETS
from core.records.staging import Outcome, Provenance, records_store
from core.records.validation import validate_row

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
    ctx = validation_context(department=department, prefix=prefix)
    results: list[PushedRecordResult] = []
    drafts: list[tuple[int | None, RecordDraft]] = []
    positions: list[int] = []
    for index, raw in enumerate(records):
        values = {_code(prefix, k): "" if v is None else str(v) for k, v in raw.items()}
        outcome = validate_row(prefix, values, ctx)
        if isinstance(outcome, list):
            problems = [
                {"field": p.field, "label": p.label, "value": p.value, "message": p.message}
                for p in outcome
            ]
            results.append(PushedRecordResult(index, "rejected", problems=problems))
        else:
            positions.append(len(results))
            results.append(PushedRecordResult(index, "pending"))
            drafts.append((None, outcome))
    try:
        with transaction.atomic():
            stored = records_store(
                drafts=drafts, provenance=Provenance(actor=actor, department_id=department.pk)
            )
            for position, (_, draft), result in zip(positions, drafts, stored, strict=True):
                if result.outcome == Outcome.REFUSED:
                    p = refused_problem(prefix, draft.doc_number, result)
                    results[position].outcome = "rejected"
                    results[position].problems = [
                        {"field": p.field, "label": p.label, "value": p.value, "message": p.message}
                    ]
                    continue
                results[position].outcome, results[position].record_id = (
                    result.outcome.value,
                    result.record_id,
                )
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


def _code(prefix: str, key: str) -> str:
    code = key.strip().upper()
    return code[len(prefix) + 1 :] if code.startswith(prefix + "_") else code


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
