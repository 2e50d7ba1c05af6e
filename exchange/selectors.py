"""Reads of the exchange: agreements, catalogues offered for sharing, public keys, the log.

Reading another district's schema happens here and in services/agreements.py only (the
provider's catalogue when an agreement is proposed), as ADR 0002 asks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db.models import Q, QuerySet
from django_tenants.utils import schema_context

from core.catalog.models import CatalogItem
from core.common.errors import NotFound
from core.subjects.models import Subject
from exchange.chain import GENESIS, entry_hash
from exchange.district.models import ExchangeLogEntry, SigningKey
from exchange.enums import AgreementStatus, ExchangePurpose, LogOutcome
from exchange.keys import public_key_load
from exchange.models import Agreement, DistrictPublicKey
from exchange.scope import shareable_fields
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District, Domain

PURPOSE_LABELS = dict(ExchangePurpose.choices)


def agreements_for_district(*, district: District) -> QuerySet[Agreement]:
    """Every agreement the district provides or consumes, newest first, with its items."""
    return (
        Agreement.objects.filter(Q(provider=district) | Q(consumer=district))
        .select_related("provider", "consumer")
        .prefetch_related("items")
        .order_by("-proposed_at", "-id")
    )


def agreement_access_by_id(*, district: District | None, agreement_id: int) -> Agreement:
    """An agreement the district is party to (any agreement for the operator: district None);
    the same NotFound whether it is missing or someone else's."""
    agreements = Agreement.objects.select_related("provider", "consumer").prefetch_related("items")
    if district is not None:
        agreements = agreements.filter(Q(provider=district) | Q(consumer=district))
    agreement = agreements.filter(pk=agreement_id).first()
    if agreement is None:
        raise NotFound("没有这份共享协议", code="NOT_FOUND")
    return agreement


def agreements_for_lookup(*, consumer: District, purpose: str, today: date) -> list[Agreement]:
    """The agreements a consumer's lookup asks under: those naming the purpose that were agreed
    and whose dates cover today. A revoked one stays in the list so the lookup reports the
    refusal (and logs it) instead of silently showing nothing."""
    agreements = (
        Agreement.objects.filter(
            consumer=consumer,
            status__in=[AgreementStatus.ACCEPTED, AgreementStatus.REVOKED],
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .select_related("provider")
        .prefetch_related("items")
        .order_by("provider__name", "id")
    )
    return [a for a in agreements if purpose in a.purposes]


def partner_districts(*, district: District) -> QuerySet[District]:
    """Districts an agreement can be proposed to: every other live district (restore drills are
    copies, not districts)."""
    return (
        District.objects.filter(kind=DistrictKind.DISTRICT, restore_drill_on__isnull=True)
        .exclude(pk=district.pk)
        .exclude(status__in=[DistrictStatus.PURGED, DistrictStatus.DELETION_PENDING])
        .order_by("name")
    )


@dataclass(frozen=True)
class ShareableItem:
    code: str
    name: str
    fields: dict[str, str]  # field code → label


def shareable_items(*, provider: District) -> list[ShareableItem]:
    """The provider's active catalogue items whose records can be shared field by field (read
    from the provider's schema)."""
    with schema_context(provider.schema_name):
        items = list(
            CatalogItem.objects.filter(is_active=True).order_by("code").values_list("code", "name")
        )
    return [
        ShareableItem(code, name, shareable_fields(code))
        for code, name in items
        if shareable_fields(code)
    ]


def local_subject(*, code: str) -> Subject | None:
    """The current district's own subject with this 统一社会信用代码, if it has one."""
    return Subject.objects.filter(uscc=code).first()


def primary_domain(district: District) -> str | None:
    return (
        Domain.objects.filter(tenant=district)
        .order_by("-is_primary", "id")
        .values_list("domain", flat=True)
        .first()
    )


def public_key_for(*, schema: str, key_id: str, at: datetime) -> Ed25519PublicKey | None:
    """The public key `key_id` of the district `schema`, if it verifies at `at` (current, or
    retired less than the grace period ago)."""
    text = (
        DistrictPublicKey.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=at),
            district__schema_name=schema,
            key_id=key_id,
        )
        .values_list("public_key", flat=True)
        .first()
    )
    return public_key_load(text) if text is not None else None


def signing_keys() -> QuerySet[SigningKey]:
    """The current district's key pairs, current first (for its admin page; no private halves)."""
    return SigningKey.objects.defer("private_key_cipher").order_by("retired_at", "-created_at")


def exchange_log_list(*, agreement_id: int | None = None) -> QuerySet[ExchangeLogEntry]:
    entries = ExchangeLogEntry.objects.all()
    if agreement_id is not None:
        entries = entries.filter(agreement_id=agreement_id)
    return entries.order_by("-seq")


@dataclass(frozen=True)
class AgreementCounts:
    served: int = 0
    refused: int = 0
    records: int = 0


def exchange_counts_by_agreement() -> dict[int, AgreementCounts]:
    """Per agreement, from the current district's log: calls served, refused, records sent or
    received."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {"served": 0, "refused": 0, "records": 0}
    )
    rows = ExchangeLogEntry.objects.filter(agreement_id__isnull=False).values_list(
        "agreement_id", "outcome", "record_ids"
    )
    for agreement_id, outcome, record_ids in rows.iterator(chunk_size=2000):
        if agreement_id is None:
            continue
        bucket = counts[agreement_id]
        bucket["served" if outcome == LogOutcome.SERVED else "refused"] += 1
        bucket["records"] += len(record_ids)
    return {key: AgreementCounts(**value) for key, value in counts.items()}


@dataclass(frozen=True)
class ChainCheck:
    """The result of recomputing the log's chain: intact, or where it first breaks and how."""

    entries: int
    broken_at: int | None = None  # the seq of the first entry that does not verify
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def exchange_log_verify() -> ChainCheck:
    """Recompute every entry's hash in order and check each links to the one before; report the
    first broken link (a changed entry, a removed one, or one inserted out of order)."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    for entry in ExchangeLogEntry.objects.order_by("seq").values().iterator(chunk_size=2000):
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainCheck(checked, seq, f"第{expected_seq}条至第{seq - 1}条日志缺失")
        if entry["prev_hash"] != prev_hash:
            return ChainCheck(checked, seq, f"第{seq}条日志记载的前一条摘要与第{seq - 1}条不符")
        if entry_hash(dict(entry), prev_hash) != entry["entry_hash"]:
            return ChainCheck(checked, seq, f"第{seq}条日志的内容与其摘要不符（已被改动）")
        prev_hash = entry["entry_hash"]
        expected_seq += 1
        checked += 1
    return ChainCheck(checked)
