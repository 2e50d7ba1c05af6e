"""Reads for upstream reporting: which 双公示 records a period reports and as what, endpoints,
batches and their items."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, DateTimeField, F, QuerySet, When
from django.utils import timezone
from django_tenants.utils import schema_context

from core.common.errors import NotFound
from core.records.enums import PUBLISHABLE_STATES, RecordKind, RecordState
from core.records.fields import FIELD_SETS
from core.records.models import Record
from core.records.state import state_case
from core.subjects.protection import decrypt
from core.upstream.enums import Action, ItemResult, OutboxBatchStatus
from core.upstream.models import OutboxBatch, OutboxItem, UpstreamEndpoint
from tenants.models import District

# The 双公示 kinds and their national prefixes.
PREFIXES = {RecordKind.LICENSE.value: "XK", RecordKind.PENALTY.value: "CF"}
KINDS = {prefix: kind for kind, prefix in PREFIXES.items()}
FORMAT = "shuanggongshi.v1"
# A record's state → what a report says about it; other states (expired, not published by rule)
# are not reported: upstream ends publication by the dates it was sent.
ACTION_OF_STATE = {
    **{state.value: Action.ADD for state in PUBLISHABLE_STATES},
    RecordState.WITHDRAWN.value: Action.WITHDRAW,
    RecordState.REPAIRED.value: Action.REPAIR,
}


@dataclass(frozen=True)
class ReportItem:
    """One record as a report carries it: the national fields of its kind (every code, "" when
    not supplied), the action, the date the action took effect and (for a withdrawal) why."""

    record_id: int
    prefix: str
    action: Action
    action_date: date
    reason: str
    fields: dict[str, str]

    def payload(self) -> dict[str, Any]:
        """The item as the JSON export and the push carry it."""
        return {
            "id": self.record_id,
            "kind": self.prefix,
            "action": self.action.value,
            "action_date": self.action_date.isoformat(),
            "reason": self.reason,
            "fields": self.fields,
        }


def payload_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of the payload's canonical JSON: equal hashes, equal reports."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def report_items(
    *, start: date, end: date, today: date, prefixes: tuple[str, ...] = ("XK", "CF")
) -> Iterator[ReportItem]:
    """The 双公示 records whose reported state changed in [start, end] (local dates), by kind,
    then change time: publishable records stored or corrected then (add), records withdrawn
    then (withdraw) and records repaired then (repair). State comes from core.records.state."""
    changed = Case(
        When(state=RecordState.WITHDRAWN.value, then=F("withdrawn_at")),
        When(state=RecordState.REPAIRED.value, then=F("repaired_at")),
        default=F("updated_at"),
        output_field=DateTimeField(),
    )
    records = (
        Record.objects.filter(kind__in=[KINDS[p] for p in prefixes])
        .annotate(state=state_case(today))
        .annotate(changed=changed)
        .filter(
            state__in=list(ACTION_OF_STATE),
            changed__gte=_day_start(start),
            changed__lt=_day_start(end + timedelta(days=1)),
        )
        .order_by("kind", "changed", "id")
        .values_list("id", "kind", "state", "changed", "withdrawal_reason", "fields", "sealed")
    )
    for pk, kind, state, when, reason, stored, sealed in records.iterator(chunk_size=2000):
        # The upstream platform is owed the numbers themselves (an authorised use).
        stored = stored | {code: decrypt(token) for code, token in sealed.items()}
        prefix = PREFIXES[kind]
        action = ACTION_OF_STATE[state]
        yield ReportItem(
            record_id=pk,
            prefix=prefix,
            action=action,
            action_date=timezone.localtime(when).date(),
            reason=reason if action == Action.WITHDRAW else "",
            fields={
                code: str(stored.get(code, ""))
                for code in (f"{prefix}_{s.code}" for s in FIELD_SETS[prefix])
            },
        )


@dataclass(frozen=True)
class Reported:
    """What an endpoint was last sent about a record, and whether upstream holds it as published
    (its latest accepted item is an addition)."""

    action: str
    payload_hash: str
    published_upstream: bool


def reported_to(*, endpoint: UpstreamEndpoint, record_ids: list[int]) -> dict[int, Reported]:
    """For each of these records that was ever sent to `endpoint`: its latest item (any result)
    and whether upstream holds it as published."""
    found: dict[int, Reported] = {}
    items = (
        OutboxItem.objects.filter(batch__endpoint=endpoint, record_id__in=record_ids)
        .order_by("record_id", "id")
        .values_list("record_id", "action", "payload_hash", "result")
    )
    for record_id, action, digest, result in items.iterator(chunk_size=5000):
        before = found.get(record_id)
        published = before.published_upstream if before else False
        if result == ItemResult.ACCEPTED:
            published = action == Action.ADD
        found[record_id] = Reported(action, digest, published)
    return found


def endpoint_list() -> QuerySet[UpstreamEndpoint]:
    """Every configured upstream platform, by name."""
    return UpstreamEndpoint.objects.select_related("department").order_by("name")


def endpoint_get(*, endpoint_id: int) -> UpstreamEndpoint:
    """One endpoint, or NotFound."""
    endpoint = endpoint_list().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("没有这个上级平台", code="NOT_FOUND")
    return endpoint


def batch_list(*, endpoint_id: int | None = None) -> QuerySet[OutboxBatch]:
    """Batches, newest first (of one endpoint if given)."""
    batches = OutboxBatch.objects.select_related("endpoint").order_by("-created_at", "-id")
    return batches.filter(endpoint_id=endpoint_id) if endpoint_id is not None else batches


def batch_get(*, batch_id: int) -> OutboxBatch:
    """One batch, or NotFound."""
    batch = batch_list().filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("没有这个上报批次", code="NOT_FOUND")
    return batch


def batch_items(*, batch: OutboxBatch, result: str | None = None) -> QuerySet[OutboxItem]:
    """A batch's items in the order sent (of one result if given)."""
    items = batch.items.order_by("id")
    return items.filter(result=result) if result is not None else items


def batches_due(*, now: datetime) -> QuerySet[OutboxBatch]:
    """Batches whose next attempt is due: waiting to be sent or retried, or being sent by a sender
    whose lease ran out (a stopped worker), for enabled endpoints."""
    return OutboxBatch.objects.filter(
        status__in=[
            OutboxBatchStatus.PENDING,
            OutboxBatchStatus.RETRYING,
            OutboxBatchStatus.SENDING,
        ],
        next_attempt_at__lte=now,
        endpoint__enabled=True,
    ).order_by("next_attempt_at", "id")


def unfinished_batch(*, endpoint: UpstreamEndpoint) -> OutboxBatch | None:
    """The oldest batch of `endpoint` that upstream has not answered yet, if any."""
    return (
        OutboxBatch.objects.filter(endpoint=endpoint)
        .exclude(status=OutboxBatchStatus.DONE)
        .order_by("id")
        .first()
    )


def next_period_start(*, endpoint: UpstreamEndpoint, today: date) -> date:
    """Where the next batch's period should start: the last batch's end (periods may overlap by a
    day: what was already reported is never sent again), else the first day of the month."""
    last = (
        OutboxBatch.objects.filter(endpoint=endpoint)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    return min(last, today) if last else today.replace(day=1)


@dataclass(frozen=True)
class UpstreamEndpointRow:
    """A district's upstream platform as the operator sees it (never the token itself)."""

    name: str
    url: str
    enabled: bool
    has_token: bool


def district_upstream_endpoint_list(*, district: District) -> list[UpstreamEndpointRow]:
    """A district's upstream platforms and where they report, read from its schema."""
    with schema_context(district.schema_name):
        return [
            UpstreamEndpointRow(name=e.name, url=e.url, enabled=e.enabled, has_token=bool(e.token))
            for e in endpoint_list()
        ]
