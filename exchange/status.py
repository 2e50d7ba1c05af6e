"""An agreement's status, derived in one place. Accepted agreements become active on their first
day and expire after their last without anyone doing anything: `agreement_status` for one
agreement, `active_q` for queries (tests/exchange/test_status.py proves they agree)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q

from exchange.enums import AgreementStatus

if TYPE_CHECKING:
    from exchange.models import Agreement


def agreement_status(agreement: Agreement, today: date) -> AgreementStatus:
    stored = AgreementStatus(agreement.status)
    if stored in (AgreementStatus.DECLINED, AgreementStatus.REVOKED):
        return stored
    if agreement.valid_until < today:
        return AgreementStatus.EXPIRED
    if stored == AgreementStatus.PROPOSED:
        return stored
    if agreement.valid_from > today:
        return AgreementStatus.ACCEPTED
    return AgreementStatus.ACTIVE


def active_q(today: date) -> Q:
    return Q(status=AgreementStatus.ACCEPTED, valid_from__lte=today, valid_until__gte=today)
