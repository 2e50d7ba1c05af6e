"""An agreement's status follows from what was stored and its dates, in Python and SQL alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from exchange.enums import AgreementStatus
from exchange.models import Agreement
from exchange.status import active_q, agreement_status
from tenants.models import District

TODAY = date(2026, 11, 27)
DAY = timedelta(days=1)

CASES = [
    ("proposed", TODAY, TODAY + DAY, AgreementStatus.PROPOSED),
    ("proposed", TODAY - 9 * DAY, TODAY - DAY, AgreementStatus.EXPIRED),
    ("accepted", TODAY + DAY, TODAY + 9 * DAY, AgreementStatus.ACCEPTED),
    ("accepted", TODAY, TODAY, AgreementStatus.ACTIVE),
    ("accepted", TODAY - 9 * DAY, TODAY - DAY, AgreementStatus.EXPIRED),
    ("declined", TODAY, TODAY + DAY, AgreementStatus.DECLINED),
    ("revoked", TODAY - DAY, TODAY + DAY, AgreementStatus.REVOKED),
    ("revoked", TODAY - 9 * DAY, TODAY - DAY, AgreementStatus.REVOKED),
]


@pytest.mark.parametrize(("stored", "start", "end", "expected"), CASES)
def test_status_in_python_and_sql_agree(
    wanzhou: District, kaizhou: District, stored: str, start: date, end: date,
    expected: AgreementStatus,
) -> None:  # fmt: skip
    agreement = Agreement.objects.create(
        provider=wanzhou, consumer=kaizhou, legal_basis="依据", purposes=["administration"],
        valid_from=start, valid_until=end, status=stored, proposed_by="tests",
    )  # fmt: skip

    assert agreement_status(agreement, TODAY) == expected
    active = Agreement.objects.filter(active_q(TODAY), pk=agreement.pk).exists()
    assert active == (expected == AgreementStatus.ACTIVE)
