"""Which purposes allow which use of a shared record: the one rule every reader consults.

Shared records are fetched for the moment and never stored on the consumer's side, so they reach
reports and scores only through this rule. The reasoning: a shared record is the provider's
information lent for a stated purpose (征信业管理条例 Art. 20: use only for that purpose, no
passing on). Staff may look at it under every purpose an agreement allows; only 公共信用综合评价
makes it an input of the consumer's own evaluation; no purpose lets it into a credit report, which
is handed to third parties (that would be passing it on)."""

from __future__ import annotations

from exchange.enums import ExchangePurpose, RecordUse

ALLOWED_USES: dict[ExchangePurpose, frozenset[RecordUse]] = {
    ExchangePurpose.ADMINISTRATION: frozenset({RecordUse.VIEW}),
    ExchangePurpose.JOINT_DISCIPLINE: frozenset({RecordUse.VIEW}),
    ExchangePurpose.REPAIR_CHECK: frozenset({RecordUse.VIEW}),
    ExchangePurpose.CREDIT_EVALUATION: frozenset({RecordUse.VIEW, RecordUse.SCORE}),
}


def purpose_allows(purpose: str, use: RecordUse) -> bool:
    """Whether a record shared under `purpose` may be used for `use` (unknown purposes: never)."""
    try:
        known = ExchangePurpose(purpose)
    except ValueError:
        return False
    return use in ALLOWED_USES[known]
