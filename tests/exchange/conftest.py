"""Helpers for exchange tests: 开州区 (consumer) and 万州区 (provider), an agreement between them,
and penalties in Wanzhou."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.records.drafts import SEALED_FIELDS
from core.records.fields import PENALTY_FIELDS
from exchange.models import Agreement
from exchange.scope import shareable_fields
from exchange.services.agreements import ScopeItem, agreement_accept, agreement_propose
from tenants.models import District
from tests.conftest import KAIZHOU, WANZHOU, make_staff

PENALTY = "N03-02"
LICENCE = "N03-01"
FINE = "CF_NR_FK"
# Every shareable penalty field but the fine (the agreement; people's identity numbers are
# never shareable).
PENALTY_WITHOUT_FINE = [c for c in shareable_fields(PENALTY) if c != FINE]
assert len(PENALTY_WITHOUT_FINE) == len(PENALTY_FIELDS) - 1 - len(SEALED_FIELDS)


def admin_of(schema: str, email: str) -> User:
    with schema_context(schema):
        return User.objects.get(email=email)


@pytest.fixture
def kaizhou_admin(kaizhou: District) -> User:
    return admin_of("kaizhou", KAIZHOU.admin_email)


@pytest.fixture
def wanzhou_admin(wanzhou: District) -> User:
    return admin_of("wanzhou", WANZHOU.admin_email)


@pytest.fixture
def kaizhou_clerk(kaizhou: District) -> User:
    return make_staff("kaizhou", "clerk@kaizhou.test", StaffRole.WINDOW_CLERK)


def propose(
    consumer_admin: User, consumer: District, provider: District, *,
    items: dict[str, list[str]] | None = None, purposes: Iterable[str] = ("administration",),
    valid_from: date | None = None, valid_until: date | None = None,
) -> Agreement:  # fmt: skip
    today = timezone.localdate()
    with schema_context(consumer.schema_name):
        return agreement_propose(
            actor=consumer_admin, consumer=consumer, provider=provider,
            legal_basis="《重庆市社会信用条例》第二十六条",
            purposes=list(purposes),
            items=[ScopeItem(code, fields) for code, fields in
                   (items or {PENALTY: PENALTY_WITHOUT_FINE}).items()],
            valid_from=valid_from or today, valid_until=valid_until or today + timedelta(days=365),
        )  # fmt: skip


def accept(provider_admin: User, agreement: Agreement) -> Agreement:
    with schema_context(agreement.provider.schema_name):
        return agreement_accept(actor=provider_admin, agreement=agreement)
