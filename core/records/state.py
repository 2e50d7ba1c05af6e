"""A record's state, derived in one place from its dates and markers. Every reader (portal,
reports, exchange, scores) uses `record_state` for one record or `publishable_q` / `state_case`
in queries, so expiry needs nobody to remember anything: on the day after `publicity_end` the
record is no longer publishable.

Order of precedence: withdrawn, repaired, not published by rule, expired, disputed, published.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Case, CharField, Q, Value, When

from core.records.enums import RecordState

if TYPE_CHECKING:
    from core.records.models import Record


def record_state(record: Record, today: date) -> RecordState:
    if record.withdrawn_at is not None:
        return RecordState.WITHDRAWN
    if record.repaired_at is not None:
        return RecordState.REPAIRED
    if not record.published_by_rule:
        return RecordState.NOT_PUBLISHED
    if record.publicity_end < today:
        return RecordState.EXPIRED
    if record.disputed_since is not None:
        return RecordState.DISPUTED
    return RecordState.PUBLISHED


def publishable_q(today: date) -> Q:
    return Q(
        withdrawn_at__isnull=True,
        repaired_at__isnull=True,
        published_by_rule=True,
        publicity_end__gte=today,
    )


def state_case(today: date) -> Case:
    """The same rules as an SQL expression, for annotating querysets."""
    return Case(
        When(withdrawn_at__isnull=False, then=Value(RecordState.WITHDRAWN.value)),
        When(repaired_at__isnull=False, then=Value(RecordState.REPAIRED.value)),
        When(published_by_rule=False, then=Value(RecordState.NOT_PUBLISHED.value)),
        When(publicity_end__lt=today, then=Value(RecordState.EXPIRED.value)),
        When(disputed_since__isnull=False, then=Value(RecordState.DISPUTED.value)),
        default=Value(RecordState.PUBLISHED.value),
        output_field=CharField(),
    )
