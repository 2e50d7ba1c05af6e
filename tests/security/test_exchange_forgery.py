"""Finding 5: unsigned tokens claiming to come from 万州 (iss, agreement #1, a staff e-mail) were
refused by 开州 but appended to its tamper-evident log under those claims, and counted as refusals
of that agreement (294 in 8 s). Against the production-like server."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django_tenants.utils import schema_context

from exchange.district.models import ExchangeLogEntry
from exchange.tokens import TokenClaims, token_sign
from tests.security.conftest import ProductionServer
from tests.support.servers import append_only_remove

BODY = json.dumps({"query": "{ __typename }"}).encode()


def forged_token() -> str:
    now = int(time.time())
    claims = TokenClaims(
        issuer="wanzhou", audience="kaizhou", agreement_id=1, purpose="administration",
        staff="zhangsan@wanzhou.test", nonce=hashlib.sha256(str(now).encode()).hexdigest()[:32],
        issued_at=now, expires_at=now + 60, body_sha256=hashlib.sha256(BODY).hexdigest(),
    )  # fmt: skip
    return token_sign(claims, key_id="wanzhou-2026", private_key=Ed25519PrivateKey.generate())


def test_forged_claims_never_reach_the_log_and_a_flood_is_cut_off(
    production: ProductionServer, django_db_blocker: Any, flush_limits: None
) -> None:
    visitor = production.visitor("kaizhou.localhost")
    with django_db_blocker.unblock(), schema_context("kaizhou"):
        before = (
            ExchangeLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        )
    if time.time() % 60 > 45:  # the limit counts per clock minute: start early in one
        time.sleep(61 - time.time() % 60)

    try:
        answers = [
            visitor.post("/exchange/graphql/", data=BODY, headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {forged_token()}"})
            for _ in range(14)
        ]  # fmt: skip
        with django_db_blocker.unblock(), schema_context("kaizhou"):
            logged = list(ExchangeLogEntry.objects.filter(seq__gt=before).order_by("seq"))
    finally:
        with django_db_blocker.unblock(), schema_context("kaizhou"):
            append_only_remove(ExchangeLogEntry.objects.filter(seq__gt=before))

    assert [a.status for a in answers] == [401] * 10 + [429] * 4
    assert answers[-1].json()["errors"][0]["message"] == "未通过验证的共享请求过于频繁，请稍后再试"
    assert len(logged) == 10
    for entry in logged:
        assert (entry.agreement_id, entry.counterpart, entry.staff, entry.purpose) == (
            None,
            "",
            "",
            "",
        )
        assert entry.request_id.startswith("unsigned-")
        assert (
            entry.reason
            == "令牌的签名密钥不属于任何已登记的平台或已失效（令牌未通过验证，请求方地址：127.0.0.1）"
        )
