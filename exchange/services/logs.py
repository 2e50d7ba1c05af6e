"""Appending to the district's exchange log (append-only, hash-chained).

Appends are serialised per district by an advisory lock, so each entry links to the one before
it; `seq` is unique, so two writers can never fork the chain even without the lock."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from core.common.tenancy import current_schema
from exchange.chain import GENESIS, entry_hash
from exchange.district.models import ExchangeLogEntry
from exchange.enums import LogOutcome, LogSide


@dataclass(frozen=True)
class LogDraft:
    """What one side knows about one exchange."""

    side: LogSide
    request_id: str
    outcome: LogOutcome
    agreement_id: int | None = None
    counterpart: str = ""
    purpose: str = ""
    staff: str = ""
    subject_code: str = ""
    record_ids: list[int] = field(default_factory=list)
    response_hash: str = ""
    reason_code: str = ""
    reason: str = ""


def exchange_log_append(*, draft: LogDraft) -> ExchangeLogEntry:
    """Append one entry to the current district's exchange log, chained to the last one."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('exchange-log'), hashtext(%s))",
                [current_schema()],
            )
        last = ExchangeLogEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        content = {
            **asdict(draft),
            "seq": seq,
            "occurred_at": timezone.now(),
            "counterpart": draft.counterpart[:63],
            "staff": draft.staff[:254],
            "subject_code": draft.subject_code[:40],
            "reason": draft.reason[:300],
        }
        return ExchangeLogEntry.objects.create(
            **content, prev_hash=prev_hash, entry_hash=entry_hash(content, prev_hash)
        )
