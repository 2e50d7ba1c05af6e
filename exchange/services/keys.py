"""A district's signing keys: created on first use, rotated on demand.

The private half stays in the district's schema, wrapped (exchange/keys.py); the public half is
published in the public schema for the other districts. A rotation retires the current pair and
lets its public key verify for EXCHANGE_KEY_GRACE_SECONDS more, so tokens and answers signed just
before still pass."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.errors import PermissionDenied
from core.common.tenancy import current_schema
from exchange.district.models import SigningKey
from exchange.keys import key_fingerprint, new_key_id, private_key_wrap, public_key_text
from exchange.models import DistrictPublicKey
from tenants.audit import platform_audit_record
from tenants.models import District


def _in_district(district: District) -> None:
    if current_schema() != district.schema_name:
        raise PermissionDenied("只能管理本区县的签名密钥", code="FORBIDDEN")


def _lock(district: District) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('exchange-keys'), hashtext(%s))",
            [district.schema_name],
        )


def _create(district: District, actor: Actor) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    public = public_key_text(private)
    key = SigningKey.objects.create(
        key_id=new_key_id(district.schema_name),
        private_key_cipher=private_key_wrap(private),
        public_key=public,
        created_by=actor.label,
    )
    with schema_context("public"):
        DistrictPublicKey.objects.create(district=district, key_id=key.key_id, public_key=public)
    details = {"key_id": key.key_id, "fingerprint": key_fingerprint(public)}
    audit_record(actor=actor, action="exchange.key_created", details=details)
    platform_audit_record(
        actor=actor, action="exchange.key_created", district_schema=district.schema_name,
        details=details,
    )  # fmt: skip
    return key


def signing_key_current(*, district: District, actor: Actor) -> SigningKey:
    """The district's current signing key, made (and published) the first time it is needed.
    Runs in the district's schema."""
    _in_district(district)
    key = SigningKey.objects.filter(retired_at__isnull=True).first()
    if key is not None:
        return key
    with transaction.atomic():
        _lock(district)
        key = SigningKey.objects.filter(retired_at__isnull=True).first()
        return key if key is not None else _create(district, actor)


def signing_key_rotate(*, district: District, actor: Actor) -> SigningKey:
    """Retire the current key (its public half verifies for the grace period) and make a new one.
    Audited in the district and on the platform."""
    _in_district(district)
    with transaction.atomic():
        _lock(district)
        now = timezone.now()
        grace_end = now + timedelta(seconds=settings.EXCHANGE_KEY_GRACE_SECONDS)
        retired = list(
            SigningKey.objects.filter(retired_at__isnull=True).values_list("key_id", flat=True)
        )
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
        with schema_context("public"):
            DistrictPublicKey.objects.filter(district=district, valid_until__isnull=True).update(
                valid_until=grace_end
            )
        if retired:
            details = {"key_ids": retired, "verifies_until": grace_end.isoformat()}
            audit_record(actor=actor, action="exchange.key_retired", details=details)
            platform_audit_record(
                actor=actor, action="exchange.key_retired", district_schema=district.schema_name,
                details=details,
            )  # fmt: skip
        return _create(district, actor)
