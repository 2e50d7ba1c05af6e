"""Writes for upstream reporting: endpoint settings, exports, building batches, sending them.

Endpoints (name and URL) are the operator's (`upstream_endpoint_configure`, reached through
provisioning/services/upstream.py); a district admin sets only the token, whether pushing is on and
the source code of returned files (`upstream_endpoint_update`).

A batch is built once (what changed in a period and was not yet reported to that endpoint),
stored with its payloads, then sent as the same bytes under the same batch id until upstream
answers; upstream's per-item answer is recorded on the items. See docs/subsystems/upstream.md."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.catalog.models import Department
from core.common.actors import Actor
from core.common.broker import delay_or_defer
from core.common.errors import Conflict, NotFound, ValidationFailed
from core.common.identifiers import mask_resident_id, normalise, uscc_problem
from core.common.tenancy import current_schema, on_commit_here
from core.records.validation import is_sealed
from core.upstream import exports
from core.upstream.egress import EgressRefused, destination_resolve
from core.upstream.enums import Action, ExportFormat, ItemResult, OutboxBatchStatus
from core.upstream.models import OutboxBatch, OutboxItem, UpstreamEndpoint
from core.upstream.permissions import UPSTREAM_MANAGE
from core.upstream.selectors import (
    FORMAT,
    Reported,
    ReportItem,
    batches_due,
    payload_hash,
    report_items,
    reported_to,
    unfinished_batch,
)
from core.upstream.transport import UpstreamFailure, post_batch

MAX_ITEMS_PER_BATCH = 5000
BUILD_CHUNK = 2000
MAX_PERIOD_DAYS = 3700  # about ten years: a district's first report may cover its whole history
# Automatic retries: 1, 2, 4 … minutes after each failure, at most 6 hours apart, 10 in a row.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
MAX_FAILURES_IN_ROW = 10
# How long a sender may hold a batch before another may take it over (a stopped worker).
SEND_LEASE = timedelta(minutes=5)

NAME_LENGTH = "名称应为2–50字"
URL_REQUIRED = "运营方尚未设置该平台的上报地址，暂不能启用推送"
TOKEN_REQUIRED = "启用推送须填写访问令牌"


def _as_actor(user: User) -> Actor:
    return Actor.for_user(user, schema=current_schema())


# --- Endpoint settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointChanges:
    """What the district admin may change on an endpoint (the operator sets its name and URL).
    `token` None keeps the stored one."""

    token: str | None
    enabled: bool
    source_code: str = ""


def endpoint_url_check(url: str) -> str:
    """The URL an endpoint may have: empty (no pushing), or HTTPS to a host on the operator's
    list whose every address is public (core/upstream/egress.py). Refusals are in Chinese."""
    url = url.strip()
    if not url:
        return ""
    try:
        destination_resolve(url)
    except EgressRefused as refused:
        raise ValidationFailed(refused.message, field="url", code=refused.code) from refused
    return url


def _check_token(token: str) -> str:
    token = token.strip()
    if len(token) > 500:
        raise ValidationFailed("访问令牌不能超过500个字符", field="token", code="BAD_TOKEN")
    if any(not (33 <= ord(c) <= 126) for c in token):
        raise ValidationFailed(
            "访问令牌只能包含英文字母、数字和符号，不能有空格或中文",
            field="token",
            code="BAD_TOKEN",
        )
    return token


def _source_department(code: str, name: str) -> Department | None:
    """The department files from this platform are imported under (created on first use)."""
    code = normalise(code)
    if not code:
        return None
    if (problem := uscc_problem(code)) is not None:
        raise ValidationFailed(
            f"上级平台统一社会信用代码有误：{problem.message}", field="source_code"
        )
    department = Department.objects.filter(code=code).first()
    if department is None:
        return Department.objects.create(
            code=code, name=f"{name}（上级平台）"[:100], is_upstream=True
        )
    if not department.is_upstream:
        raise ValidationFailed(
            f"统一社会信用代码{code}已登记为本区县部门“{department.name}”，不能作为上级平台来源",
            field="source_code",
            code="DEPARTMENT_EXISTS",
        )
    return department


@transaction.atomic
def upstream_endpoint_configure(*, actor: Actor, name: str, url: str) -> UpstreamEndpoint:
    """Add an upstream platform or change its URL, by name (the operator only: call it through
    provisioning/services/upstream.py, which also writes the platform audit log). The URL is checked
    by `endpoint_url_check`; an empty URL turns pushing off. Returns the endpoint."""
    name = name.strip()
    if not 2 <= len(name) <= 50:
        raise ValidationFailed(NAME_LENGTH, field="name")
    url = endpoint_url_check(url)
    endpoint = UpstreamEndpoint.objects.select_for_update().filter(name=name).first()
    created = endpoint is None
    endpoint = endpoint or UpstreamEndpoint(name=name)
    previous = endpoint.url
    endpoint.url = url
    if not url:
        endpoint.enabled = False
    endpoint.updated_at = timezone.now()
    endpoint.save()
    audit_record(
        actor=actor,
        action="upstream.endpoint.configure",
        details={"endpoint": endpoint.pk, "name": name, "url": url, "previous_url": previous,
                 "created": created, "enabled": endpoint.enabled},
    )  # fmt: skip
    return endpoint


@transaction.atomic
def upstream_endpoint_update(
    *, actor: User, endpoint_id: int, changes: EndpointChanges
) -> UpstreamEndpoint:
    """Change the district's side of an upstream platform (district admins): its token, whether
    pushing is on (needs the operator's URL and a token) and the source code that makes (or
    reuses) the department its returned files are imported under. Name and URL are the
    operator's."""
    require(actor, UPSTREAM_MANAGE)
    endpoint = UpstreamEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("没有这个上级平台", code="NOT_FOUND")
    token = _check_token(changes.token) if changes.token is not None else endpoint.token
    if changes.enabled and not endpoint.url:
        raise ValidationFailed(URL_REQUIRED, field="enabled", code="NO_URL")
    if changes.enabled and not token:
        raise ValidationFailed(TOKEN_REQUIRED, field="token")
    department = _source_department(changes.source_code, endpoint.name)
    token_changed = token != endpoint.token
    endpoint.token, endpoint.enabled = token, changes.enabled
    if department is not None:
        endpoint.department = department
    endpoint.updated_at = timezone.now()
    endpoint.save()
    audit_record(
        actor=_as_actor(actor),
        action="upstream.endpoint.update",
        details={"endpoint": endpoint.pk, "name": endpoint.name, "enabled": endpoint.enabled,
                 "token_changed": token_changed, "department": endpoint.department_id},
    )  # fmt: skip
    return endpoint


# --- Periods and exports -----------------------------------------------------------------------


def check_period(*, start: date, end: date, today: date) -> None:
    """A period is whole days, not in the future, at most about ten years."""
    if start > end:
        raise ValidationFailed("截止日期不能早于起始日期", field="end", code="BAD_PERIOD")
    if end > today:
        raise ValidationFailed("截止日期不能晚于今天", field="end", code="BAD_PERIOD")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationFailed("一次最多选择10年，请缩小日期范围", field="start", code="BAD_PERIOD")


def _district() -> dict[str, str]:
    from tenants.selectors import district_get

    district = district_get(slug=current_schema())
    return {"name": district.name, "region_code": district.region_code}


def _envelope(*, start: date, end: date) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "district": _district(),
        "period": {"basis": "change_date", "start": start.isoformat(), "end": end.isoformat()},
    }


@dataclass(frozen=True)
class ExportFile:
    name: str
    content_type: str
    content: IO[bytes]


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def upstream_export(*, actor: User, start: date, end: date, fmt: str) -> ExportFile:
    """The period's 双公示 records in the national format (district admins): what changed in it
    (by change date), each row saying add, withdraw or repair. Audited: the file carries personal
    data out of the platform."""
    require(actor, UPSTREAM_MANAGE)
    if fmt not in ExportFormat.values:
        raise ValidationFailed("请选择导出格式：CSV、XLSX或JSON", field="fmt", code="BAD_FORMAT")
    today = timezone.localdate()
    check_period(start=start, end=end, today=today)
    kind, _, prefix = fmt.partition("-")
    items = report_items(
        start=start, end=end, today=today, prefixes=(prefix,) if prefix else ("XK", "CF")
    )
    counted = _Counted(items)
    stamp = f"{start:%Y%m%d}-{end:%Y%m%d}"
    if kind == "csv":
        content = exports.write_csv(counted, prefix)
        name = f"upstream-{prefix}-{stamp}.csv"
    elif kind == "xlsx":
        content = exports.write_xlsx(counted, prefix)
        name = f"upstream-{prefix}-{stamp}.xlsx"
    else:
        envelope = {
            **_envelope(start=start, end=end),
            "exported_at": timezone.localtime().isoformat(),
        }
        content = exports.write_json(counted, envelope)
        name = f"upstream-{stamp}.json"
    with transaction.atomic():
        audit_record(
            actor=_as_actor(actor),
            action="upstream.export",
            details={"format": fmt, "start": start.isoformat(), "end": end.isoformat(),
                     "rows": counted.count},
        )  # fmt: skip
    return ExportFile(name=name, content_type=CONTENT_TYPES[kind], content=content)


class _Counted:
    """Items passed through, counted (for the audit entry)."""

    def __init__(self, items: Iterator[ReportItem]) -> None:
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[ReportItem]:
        for item in self._items:
            self.count += 1
            yield item


# --- Building batches --------------------------------------------------------------------------


def _due(item: ReportItem, digest: str, before: Reported | None) -> bool:
    """Whether `item` must be sent, given what the endpoint was last sent about the record:
    an addition unless that exact payload was sent already (accepted or rejected: a rejected row
    is sent again once it changes); a withdrawal or repair only when upstream holds the record as
    published and was not already sent that action."""
    if item.action == Action.ADD:
        return before is None or (before.action, before.payload_hash) != (Action.ADD, digest)
    if before is None or before.action == item.action:
        return False
    return before.published_upstream


def outbox_batches_build(
    *, actor: User, endpoint_id: int, start: date, end: date
) -> list[OutboxBatch]:
    """Write the batches that report a period to an endpoint (district admins): every 双公示
    record whose state changed in the period and that the endpoint has not been sent in that
    state, at most 5,000 to a batch. Refused while an earlier batch of the endpoint is unanswered
    (so what upstream holds is always known). Sending starts after commit. Returns the batches
    (none when there is nothing new)."""
    require(actor, UPSTREAM_MANAGE)
    today = timezone.localdate()
    check_period(start=start, end=end, today=today)
    with transaction.atomic():
        endpoint = UpstreamEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None:
            raise NotFound("没有这个上级平台", field="endpoint", code="NOT_FOUND")
        if not endpoint.enabled:
            raise ValidationFailed(
                f"“{endpoint.name}”未启用推送：请先填写访问令牌并启用（上报地址由运营方设置）",
                field="endpoint",
                code="DISABLED",
            )
        waiting = unfinished_batch(endpoint=endpoint)
        if waiting is not None:
            raise Conflict(
                f"上一批次（{waiting.created_at:%Y-%m-%d %H:%M}生成，{waiting.get_status_display()}）"
                "尚未完成上报：请等待其完成，发送失败的请先重新发送",
                code="BATCH_UNFINISHED",
            )
        batches = _write_batches(
            endpoint=endpoint, start=start, end=end, today=today, created_by=actor.email
        )
        audit_record(
            actor=_as_actor(actor),
            action="upstream.batch.build",
            details={"endpoint": endpoint.pk, "start": start.isoformat(), "end": end.isoformat(),
                     "batches": [str(b.batch_id) for b in batches],
                     "items": sum(b.item_count for b in batches)},
        )  # fmt: skip
        for batch in batches:
            on_commit_here(lambda pk=batch.pk: _enqueue(pk))  # type: ignore[misc]
    return batches


def _write_batches(
    *, endpoint: UpstreamEndpoint, start: date, end: date, today: date, created_by: str
) -> list[OutboxBatch]:
    """The due items of the period, in batches of at most MAX_ITEMS_PER_BATCH. Candidates are
    read and written a chunk at a time, so a first report of years of records stays small in
    memory."""
    now = timezone.now()
    batches: list[OutboxBatch] = []
    for chunk in _chunks(report_items(start=start, end=end, today=today), BUILD_CHUNK):
        before = reported_to(endpoint=endpoint, record_ids=[c.record_id for c in chunk])
        items = []
        for item in chunk:
            payload = item.payload()
            digest = payload_hash(payload)
            if not _due(item, digest, before.get(item.record_id)):
                continue
            if not batches or batches[-1].item_count >= MAX_ITEMS_PER_BATCH:
                batches.append(OutboxBatch.objects.create(
                    endpoint=endpoint, batch_id=uuid.uuid4(), period_start=start, period_end=end,
                    next_attempt_at=now, created_by=created_by, created_at=now,
                ))  # fmt: skip
            batches[-1].item_count += 1
            items.append(OutboxItem(batch=batches[-1], record_id=item.record_id,
                                    action=item.action, payload=payload, payload_hash=digest))  # fmt: skip
        OutboxItem.objects.bulk_create(items, batch_size=1000)
    for batch in batches:
        batch.save(update_fields=["item_count"])
    return batches


def _chunks(items: Iterator[ReportItem], size: int) -> Iterator[list[ReportItem]]:
    chunk: list[ReportItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _enqueue(batch_pk: int) -> None:
    from core.upstream.tasks import outbox_batch_send_task  # tasks import services: import late

    # A batch not queued now (broker down) is sent by the sweep (outbox_batches_send_due_task).
    delay_or_defer(
        outbox_batch_send_task, batch_pk, deferred=f"outbox batch {batch_pk} waits for the sweep"
    )


@transaction.atomic
def outbox_batch_resend(*, actor: User, batch_pk: int) -> OutboxBatch:
    """Send a failed (or waiting) batch again now, with a fresh set of automatic retries
    (district admins). Same batch id, same bytes: upstream never applies it twice."""
    require(actor, UPSTREAM_MANAGE)
    batch = OutboxBatch.objects.select_for_update().filter(pk=batch_pk).first()
    if batch is None:
        raise NotFound("没有这个上报批次", code="NOT_FOUND")
    if batch.status not in (OutboxBatchStatus.FAILED, OutboxBatchStatus.RETRYING):
        raise Conflict(f"该批次{batch.get_status_display()}，无需重新发送", code="NOT_RESENDABLE")
    batch.status, batch.failures_in_row = OutboxBatchStatus.PENDING, 0
    batch.next_attempt_at = timezone.now()
    batch.save(update_fields=["status", "failures_in_row", "next_attempt_at"])
    audit_record(
        actor=_as_actor(actor),
        action="upstream.batch.resend",
        details={"batch": str(batch.batch_id), "attempts": batch.attempts},
    )
    on_commit_here(lambda: _enqueue(batch.pk))
    return batch


# --- Sending -----------------------------------------------------------------------------------


def batch_body(batch: OutboxBatch) -> bytes:
    """The batch as sent, every time: envelope, batch id and the items' stored payloads."""
    envelope = _envelope(start=batch.period_start, end=batch.period_end)
    items = list(batch.items.order_by("id").values_list("payload", flat=True))
    document = {**envelope, "batch_id": str(batch.batch_id),
                "created_at": timezone.localtime(batch.created_at).isoformat(), "items": items}  # fmt: skip
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def retry_delay(failures_in_row: int) -> timedelta:
    """Exponential backoff: 1, 2, 4 … minutes, capped at 6 hours."""
    delay: timedelta = RETRY_BASE * 2 ** max(failures_in_row - 1, 0)
    return min(delay, RETRY_CAP)


def _claim(batch_pk: int, now: datetime) -> OutboxBatch | None:
    """Take the batch for one attempt (count it, hold a lease), if it is due and enabled."""
    with transaction.atomic():
        batch = (
            OutboxBatch.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=batch_pk)
            .first()
        )
        if batch is None or batch.status in (OutboxBatchStatus.DONE, OutboxBatchStatus.FAILED):
            return None
        if batch.status == OutboxBatchStatus.SENDING and (batch.next_attempt_at or now) > now:
            return None  # another sender holds it
        if not batch.endpoint.enabled:
            return None  # waits until the endpoint is enabled again
        batch.status, batch.attempts = OutboxBatchStatus.SENDING, batch.attempts + 1
        batch.last_attempt_at, batch.next_attempt_at = now, now + SEND_LEASE
        batch.save(update_fields=["status", "attempts", "last_attempt_at", "next_attempt_at"])
        return batch


def outbox_batch_send(*, batch_pk: int, actor: Actor) -> OutboxBatch:
    """One attempt to deliver a batch (idempotent: a done, failed or busy batch is left alone).
    Upstream's answer is recorded per item; a failure is recorded with its reason and retried
    later with exponential backoff, or the batch fails (a refused token, a 4xx, or ten failures
    in a row) until an admin re-sends it."""
    now = timezone.now()
    batch = _claim(batch_pk, now)
    if batch is None:
        return OutboxBatch.objects.get(pk=batch_pk)
    endpoint = batch.endpoint
    item_ids = set(batch.items.values_list("record_id", flat=True))
    try:
        answers = post_batch(
            url=endpoint.url,
            token=endpoint.token,
            batch_id=str(batch.batch_id),
            body=batch_body(batch),
            item_ids=item_ids,
        )
    except UpstreamFailure as failure:
        return _failed(batch, failure, actor)
    with transaction.atomic():
        items = list(batch.items.select_for_update())
        for item in items:
            answer = answers[item.record_id]
            item.result = ItemResult.ACCEPTED if answer.accepted else ItemResult.REJECTED
            item.reason = answer.reason
            # Done: never sent again, so people's numbers need not stay here in clear (the
            # payload's hash still proves what was sent; the records keep them sealed).
            item.payload = _masked(item.payload)
        OutboxItem.objects.bulk_update(items, ["result", "reason", "payload"], batch_size=1000)
        batch.accepted = sum(1 for a in answers.values() if a.accepted)
        batch.rejected = len(answers) - batch.accepted
        batch.status, batch.last_error, batch.failures_in_row = OutboxBatchStatus.DONE, "", 0
        batch.next_attempt_at, batch.finished_at = None, timezone.now()
        batch.save(update_fields=["accepted", "rejected", "status", "last_error",
                                  "failures_in_row", "next_attempt_at", "finished_at"])  # fmt: skip
        audit_record(
            actor=actor,
            action="upstream.batch.done",
            details={"batch": str(batch.batch_id), "endpoint": endpoint.name,
                     "attempts": batch.attempts, "accepted": batch.accepted,
                     "rejected": batch.rejected},
        )  # fmt: skip
    return batch


def _masked(payload: dict[str, Any]) -> dict[str, Any]:
    fields = {
        code: mask_resident_id(value) if value and is_sealed(code) else value
        for code, value in payload.get("fields", {}).items()
    }
    return payload | {"fields": fields}


def _failed(batch: OutboxBatch, failure: UpstreamFailure, actor: Actor) -> OutboxBatch:
    with transaction.atomic():
        batch.failures_in_row += 1
        batch.last_error = failure.message[:500]
        if failure.permanent or batch.failures_in_row >= MAX_FAILURES_IN_ROW:
            batch.status, batch.next_attempt_at = OutboxBatchStatus.FAILED, None
        else:
            # Counted from the attempt's start (set by _claim), so the schedule is exact.
            started = batch.last_attempt_at or timezone.now()
            batch.status = OutboxBatchStatus.RETRYING
            batch.next_attempt_at = started + retry_delay(batch.failures_in_row)
        batch.save(update_fields=["failures_in_row", "last_error", "status", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="upstream.batch.attempt_failed",
            details={"batch": str(batch.batch_id), "attempt": batch.attempts,
                     "error": batch.last_error, "gave_up": batch.status == OutboxBatchStatus.FAILED},
        )  # fmt: skip
    return batch


def outbox_batches_send_due(*, actor: Actor) -> list[OutboxBatch]:
    """Attempt every batch whose next attempt is due (from beat). Returns them as left."""
    due = list(batches_due(now=timezone.now()).values_list("pk", flat=True))
    return [outbox_batch_send(batch_pk=pk, actor=actor) for pk in due]
