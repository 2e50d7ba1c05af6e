"""The compact JWS format (ADR 0011): round trip, and every way a token or an answer signature can
be wrong is caught."""

from __future__ import annotations

import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.errors import ExchangeRefused
from exchange.tokens import (
    TokenClaims,
    answer_sign,
    answer_signature_parse,
    b64d,
    b64e,
    signature_valid,
    token_parse,
    token_sign,
)

CLAIMS = TokenClaims(issuer="kaizhou", audience="wanzhou", agreement_id=7, purpose="administration",
                     staff="clerk@kaizhou.test", nonce="a" * 32, issued_at=1_800_000_000,
                     expires_at=1_800_000_060, body_sha256="b" * 64)  # fmt: skip


def test_a_token_round_trips_and_verifies() -> None:
    key = Ed25519PrivateKey.generate()

    parsed = token_parse(token_sign(CLAIMS, key_id="kaizhou-1", private_key=key))

    assert (parsed.key_id, parsed.claims) == ("kaizhou-1", CLAIMS)
    assert signature_valid(key.public_key(), parsed.signature, parsed.signing_input)
    assert not signature_valid(
        Ed25519PrivateKey.generate().public_key(), parsed.signature, parsed.signing_input
    )


def test_a_changed_claim_breaks_the_signature() -> None:
    key = Ed25519PrivateKey.generate()
    header, _, signature = token_sign(CLAIMS, key_id="k", private_key=key).split(".")
    other = token_sign(
        TokenClaims(**{**CLAIMS.__dict__, "agreement_id": 8}), key_id="k", private_key=key
    )
    forged = token_parse(f"{header}.{other.split('.')[1]}.{signature}")

    assert not signature_valid(key.public_key(), forged.signature, forged.signing_input)


def _token(header: dict[str, str], claims: dict[str, str]) -> str:
    return f"{b64e(json.dumps(header).encode())}.{b64e(json.dumps(claims).encode())}.{b64e(b'x')}"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("abc", "应由三段组成"),
        ("a.b.c", "无法解码"),
        (_token({"alg": "HS256", "typ": "credit-exchange+jwt", "kid": "k"}, {}),
         "只接受 EdDSA 签名的 credit-exchange+jwt 令牌"),
        (_token({"alg": "EdDSA", "typ": "credit-exchange+jwt", "kid": "k"}, {"iss": "x"}),
         "缺少或无效的声明“aud”"),
        ("x" * 5000, "长度超出限制"),
    ],
)  # fmt: skip
def test_a_malformed_token_is_refused(token: str, message: str) -> None:
    with pytest.raises(ExchangeRefused, match=re.escape(message)) as refused:
        token_parse(token)

    assert refused.value.code == "MALFORMED_TOKEN"
    assert refused.value.http_status == 401


def test_an_answer_signature_covers_the_exact_bytes() -> None:
    key = Ed25519PrivateKey.generate()
    body = b'{"data":{"sharedRecords":{"code":"91500101"}}}'

    parsed = answer_signature_parse(
        answer_sign(body, key_id="wanzhou-1", issuer="wanzhou", request_id="r1", private_key=key)
    )

    assert parsed is not None
    assert (parsed.key_id, parsed.issuer, parsed.request_id) == ("wanzhou-1", "wanzhou", "r1")
    assert signature_valid(key.public_key(), parsed.signature, parsed.signing_input(body))
    assert not signature_valid(
        key.public_key(), parsed.signature, parsed.signing_input(body + b" ")
    )
    assert answer_signature_parse("") is None
    assert answer_signature_parse("a.b.c") is None


def test_base64url_is_strict() -> None:
    assert b64d(b64e(b"\xff\x00")) == b"\xff\x00"
    with pytest.raises(ValueError, match="not base64url"):
        b64d("ab+/")
