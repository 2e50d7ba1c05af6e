"""Which purpose lets a shared record into what: the one rule (exchange/uses.py)."""

from __future__ import annotations

import pytest

from exchange.enums import ExchangePurpose, RecordUse
from exchange.uses import purpose_allows


@pytest.mark.parametrize(
    ("purpose", "view", "score", "report"),
    [
        (ExchangePurpose.ADMINISTRATION, True, False, False),
        (ExchangePurpose.JOINT_DISCIPLINE, True, False, False),
        (ExchangePurpose.REPAIR_CHECK, True, False, False),
        (ExchangePurpose.CREDIT_EVALUATION, True, True, False),
        ("marketing", False, False, False),
    ],
)
def test_uses_by_purpose(purpose: str, view: bool, score: bool, report: bool) -> None:
    assert (
        purpose_allows(purpose, RecordUse.VIEW),
        purpose_allows(purpose, RecordUse.SCORE),
        purpose_allows(purpose, RecordUse.REPORT),
    ) == (view, score, report)
