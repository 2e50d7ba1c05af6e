"""Finding 9: a GET changed state. `/console/exchange/lookup/?code=…&purpose=…` signed requests to
other districts and appended to the exchange logs, so a link or a prefetch could make a staff
member's browser ask another district for a company's records; and it ran in an archived
(read-only) district. Now a GET shows the form only, the lookup is a CSRF-protected POST, and a
district that is not active does not ask.

The agreement (开州区 asks 万州区 for penalties) is committed for the server to see and removed
afterwards, with whatever a lookup wrote (keys, log entries, audit entries: the append-only
triggers are switched off for the removal)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Max, Model
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.common.tenancy import use_public_schema
from exchange.district.models import ExchangeLogEntry, SigningKey
from exchange.enums import AgreementStatus
from exchange.models import Agreement, AgreementItem, DistrictPublicKey
from tenants.enums import DistrictStatus
from tenants.models import District, PlatformAuditEntry
from tests.conftest import KAIZHOU, make_staff
from tests.core.collection.files import uscc
from tests.exchange.conftest import PENALTY, PENALTY_WITHOUT_FINE
from tests.security.conftest import Browser, ProductionServer, routes_moved
from tests.security.staff import signed_in
from tests.support.servers import append_only_remove

LOOKUP = "/console/exchange/lookup/"
COMPANY = uscc(31)
QUERY = {"code": COMPANY, "purpose": "administration"}
DISTRICT_TABLES: tuple[type[Model], ...] = (ExchangeLogEntry, SigningKey, AuditEntry)
PUBLIC_TABLES: tuple[type[Model], ...] = (DistrictPublicKey, PlatformAuditEntry)


@dataclass
class Lookup:
    clerk: Browser
    agreement: Agreement
    consumer_last: dict[type[Model], int]  # what 开州's tables held before the test
    provider_last: dict[type[Model], int]  # and 万州's exchange log


def _last_ids(tables: tuple[type[Model], ...]) -> dict[type[Model], int]:
    return {t: t.objects.aggregate(last=Max("pk"))["last"] or 0 for t in tables}  # type: ignore[attr-defined]


def _written_since(last: dict[type[Model], int]) -> dict[str, int]:
    return {
        t.__name__: t.objects.filter(pk__gt=n).count()  # type: ignore[attr-defined]
        for t, n in last.items()
    }


def _remove_since(last: dict[type[Model], int]) -> None:
    for table, n in last.items():
        append_only_remove(table.objects.filter(pk__gt=n))  # type: ignore[attr-defined]


@pytest.fixture
def lookup(production: ProductionServer, django_db_blocker: Any) -> Iterator[Lookup]:
    """A window clerk of 开州区 signed in, and an active agreement under which 开州区 may ask
    万州区 for penalties for 行政管理."""
    with django_db_blocker.unblock():
        use_public_schema()
        public_last = _last_ids(PUBLIC_TABLES)
        with schema_context("kaizhou"):
            district_last = _last_ids(DISTRICT_TABLES)
        with schema_context("wanzhou"):
            provider_last = _last_ids((ExchangeLogEntry,))
        today = timezone.localdate()
        agreement = Agreement.objects.create(
            provider=District.objects.get(schema_name="wanzhou"),
            consumer=District.objects.get(schema_name="kaizhou"),
            legal_basis="《重庆市社会信用条例》第二十六条", purposes=["administration"],
            valid_from=today - timedelta(days=1), valid_until=today + timedelta(days=30),
            status=AgreementStatus.ACCEPTED, proposed_by=KAIZHOU.admin_email,
            decided_by="admin@wanzhou.test", decided_at=timezone.now(),
        )  # fmt: skip
        AgreementItem.objects.create(agreement=agreement, item_code=PENALTY,
                                     item_name="行政处罚信息", fields=PENALTY_WITHOUT_FINE)  # fmt: skip
        clerk = make_staff("kaizhou", "lookup-clerk@kaizhou.test", StaffRole.WINDOW_CLERK)
        visitor = signed_in(production, KAIZHOU.domain, "kaizhou", clerk)
        use_public_schema()
    try:
        yield Lookup(clerk=visitor, agreement=agreement, consumer_last=district_last,
                     provider_last=provider_last)  # fmt: skip
    finally:
        with django_db_blocker.unblock():
            use_public_schema()
            District.objects.filter(schema_name="kaizhou").update(status=DistrictStatus.ACTIVE)
            routes_moved(production)
            agreement.delete()
            _remove_since(public_last)
            with schema_context("kaizhou"):
                _remove_since(district_last)
                User.objects.filter(email="lookup-clerk@kaizhou.test").delete()
            with schema_context("wanzhou"):
                _remove_since(provider_last)
            use_public_schema()


def _written(lookup: Lookup, django_db_blocker: Any) -> dict[str, int]:
    """What the server wrote for lookups since the fixture: keys, logs and audit entries."""
    with django_db_blocker.unblock(), schema_context("kaizhou"):
        written = _written_since(lookup.consumer_last)
        written["AuditEntry"] = AuditEntry.objects.filter(
            pk__gt=lookup.consumer_last[AuditEntry], action__startswith="exchange."
        ).count()
    with django_db_blocker.unblock(), schema_context("wanzhou"):
        written["provider ExchangeLogEntry"] = _written_since(lookup.provider_last)[
            "ExchangeLogEntry"
        ]
    return written


NOTHING = {
    "ExchangeLogEntry": 0,
    "SigningKey": 0,
    "AuditEntry": 0,
    "provider ExchangeLogEntry": 0,
}


def test_a_get_shows_the_form_and_changes_nothing(lookup: Lookup, django_db_blocker: Any) -> None:
    # Given a link with a code and a purpose
    path = f"{LOOKUP}?code={COMPANY}&purpose=administration"

    # When the clerk's browser follows it
    page = lookup.clerk.get(path)

    # Then it shows the empty form: nothing signed, sent or logged
    assert page.status == 200
    assert '<form method="post" action="/console/exchange/lookup/"' in page.text
    assert f'value="{COMPANY}"' not in page.text
    assert 'data-testid="shared-result"' not in page.text
    assert 'data-testid="no-agreement"' not in page.text
    assert _written(lookup, django_db_blocker) == NOTHING


def test_the_lookup_is_a_post_with_a_csrf_token(lookup: Lookup, django_db_blocker: Any) -> None:
    # Given the clerk on the form
    token = lookup.clerk.csrf_from(LOOKUP)

    # When a POST comes without the form's token (another site's form), and then with it
    forged = lookup.clerk.post(
        LOOKUP, form=QUERY, headers={"X-CSRFToken": "forged-forged-forged-forged-forged"}
    )
    written_by_forgery = _written(lookup, django_db_blocker)
    asked = lookup.clerk.post(LOOKUP, form={**QUERY, "csrfmiddlewaretoken": token})

    # Then the forgery is refused and changes nothing; the form's POST asks (and logs)
    assert forged.status == 403
    assert written_by_forgery == NOTHING
    assert asked.status == 200
    assert asked.text.count('data-testid="shared-result"') == 1
    assert re.search(r"来源：万州区（共享协议 #\d+）", asked.text)
    with django_db_blocker.unblock(), schema_context("kaizhou"):
        [entry] = ExchangeLogEntry.objects.filter(pk__gt=lookup.consumer_last[ExchangeLogEntry])
    assert (entry.side, entry.agreement_id, entry.staff, entry.subject_code) == (
        "consumer",
        lookup.agreement.pk,
        "lookup-clerk@kaizhou.test",
        COMPANY,
    )


@pytest.mark.parametrize(
    ("status", "refusal", "post_status"),
    [
        (DistrictStatus.ARCHIVED, "开州区信用平台已归档（只读），不能发起共享查询", 403),
        (DistrictStatus.SUSPENDED, "", 503),
    ],
)
def test_a_district_that_is_not_active_does_not_look_up(
    lookup: Lookup, production: ProductionServer, django_db_blocker: Any, status: DistrictStatus,
    refusal: str, post_status: int,
) -> None:  # fmt: skip
    # Given 开州区 archived (or suspended) after the clerk opened the form
    token = lookup.clerk.csrf_from(LOOKUP)
    with django_db_blocker.unblock():
        District.objects.filter(schema_name="kaizhou").update(status=status)
        routes_moved(production)

    # When the clerk opens the page again and submits the form
    page = lookup.clerk.get(LOOKUP)
    asked = lookup.clerk.post(LOOKUP, form={**QUERY, "csrfmiddlewaretoken": token})

    # Then the page says why there is no form (archived; a suspended district shows its
    # maintenance page), the POST is refused, and nothing is signed, sent or logged
    if refusal:
        assert page.status == 200
        assert f'<p class="card error" role="alert" data-testid="lookup-refused">{refusal}</p>' in (
            page.text
        )
        assert "<form" not in page.text.split("<h1>共享查询</h1>", 1)[1]
    else:
        assert page.status == 503
    assert asked.status == post_status
    assert _written(lookup, django_db_blocker) == NOTHING
