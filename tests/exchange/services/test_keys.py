"""Signing keys: made on first use, private halves encrypted at rest, rotation keeps the old
public key verifying for the grace period only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from core.common.actors import Actor
from core.common.errors import PermissionDenied
from exchange.district.models import SigningKey
from exchange.keys import private_key_unwrap
from exchange.models import DistrictPublicKey
from exchange.selectors import public_key_for
from exchange.services.keys import signing_key_current, signing_key_rotate
from tenants.models import District

ACTOR = Actor.system("tests")


def test_the_first_key_is_made_once_and_published(wanzhou: District) -> None:
    with schema_context("wanzhou"):
        first = signing_key_current(district=wanzhou, actor=ACTOR)
        again = signing_key_current(district=wanzhou, actor=ACTOR)
        raw = private_key_unwrap(first.private_key_cipher).private_bytes_raw()
        actions = list(AuditEntry.objects.values_list("action", flat=True))

    assert again.pk == first.pk
    assert len(raw) == 32
    assert raw.hex() not in first.private_key_cipher
    published = DistrictPublicKey.objects.get(district=wanzhou)
    assert (published.key_id, published.public_key, published.valid_until) == (
        first.key_id,
        first.public_key,
        None,
    )
    assert actions == ["exchange.key_created"]


def test_a_rotated_key_verifies_only_during_the_grace(wanzhou: District, settings: Any) -> None:
    settings.EXCHANGE_KEY_GRACE_SECONDS = 600
    with schema_context("wanzhou"):
        old = signing_key_current(district=wanzhou, actor=ACTOR)
        new = signing_key_rotate(district=wanzhou, actor=ACTOR)
        assert list(
            SigningKey.objects.filter(retired_at__isnull=True).values_list("key_id", flat=True)
        ) == [new.key_id]
    now = timezone.now()

    assert public_key_for(schema="wanzhou", key_id=new.key_id, at=now) is not None
    assert (
        public_key_for(schema="wanzhou", key_id=old.key_id, at=now + timedelta(minutes=9))
        is not None
    )
    assert (
        public_key_for(schema="wanzhou", key_id=old.key_id, at=now + timedelta(minutes=11)) is None
    )
    assert public_key_for(schema="kaizhou", key_id=new.key_id, at=now) is None


def test_keys_are_managed_only_from_the_district_itself(wanzhou: District) -> None:
    with (
        schema_context("kaizhou"),
        pytest.raises(PermissionDenied, match="只能管理本区县的签名密钥"),
    ):
        signing_key_rotate(district=wanzhou, actor=ACTOR)
