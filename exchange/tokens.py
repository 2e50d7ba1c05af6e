"""The wire format of the exchange (ADR 0011): compact JWS with EdDSA (RFC 7515, RFC 8037).

- Request token: `b64url(header).b64url(claims).b64url(signature)`, header
  `{"alg": "EdDSA", "typ": "credit-exchange+jwt", "kid": …}`, signed with the consumer district's
  key. The claims name the agreement, the purpose, the staff member, the audience (the provider's
  schema), a nonce, the issue and expiry times, and the SHA-256 of the request body, so a token
  authorises exactly one request.
- Answer signature: a detached JWS (RFC 7515 Appendix F) over the answer's exact bytes,
  `b64url(header)..b64url(signature)`, header `{"alg": "EdDSA", "kid": …, "iss": provider, "req":
  nonce}`: the provider's key vouches for this answer to that request.

Pure functions: no database. Key look-ups and the rules about time and agreements are in
exchange/services/."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from exchange import errors
from exchange.errors import ExchangeRefused

ALG = "EdDSA"
TOKEN_TYPE = "credit-exchange+jwt"
MAX_TOKEN_CHARS = 4096


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Strict base64url without padding; ValueError on anything else."""
    if not text or any(c not in _B64URL for c in text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class TokenClaims:
    issuer: str  # the consumer district's schema
    audience: str  # the provider district's schema
    agreement_id: int
    purpose: str
    staff: str  # the requesting staff member (e-mail)
    nonce: str  # the request id, on both sides' logs
    issued_at: int  # Unix seconds
    expires_at: int
    body_sha256: str

    def payload(self) -> dict[str, Any]:
        return {
            "iss": self.issuer, "aud": self.audience, "agr": self.agreement_id,
            "pur": self.purpose, "stf": self.staff, "jti": self.nonce, "iat": self.issued_at,
            "exp": self.expires_at, "bdh": self.body_sha256,
        }  # fmt: skip

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> TokenClaims:
        text = {"iss": "issuer", "aud": "audience", "pur": "purpose", "stf": "staff",
                "jti": "nonce", "bdh": "body_sha256"}  # fmt: skip
        numbers = {"agr": "agreement_id", "iat": "issued_at", "exp": "expires_at"}
        values: dict[str, Any] = {}
        for key, name in text.items():
            value = data.get(key)
            if not isinstance(value, str) or not value or len(value) > 254:
                raise _malformed(f"缺少或无效的声明“{key}”")
            values[name] = value
        for key, name in numbers.items():
            value = data.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _malformed(f"缺少或无效的声明“{key}”")
            values[name] = value
        return cls(**values)


@dataclass(frozen=True)
class ParsedToken:
    key_id: str
    claims: TokenClaims
    signing_input: bytes
    signature: bytes


def _malformed(detail: str) -> ExchangeRefused:
    return ExchangeRefused(f"共享访问令牌格式不正确：{detail}", code=errors.MALFORMED_TOKEN)


def token_sign(claims: TokenClaims, *, key_id: str, private_key: Ed25519PrivateKey) -> str:
    header = {"alg": ALG, "typ": TOKEN_TYPE, "kid": key_id}
    signing_input = f"{b64e(_json(header))}.{b64e(_json(claims.payload()))}"
    return f"{signing_input}.{b64e(private_key.sign(signing_input.encode('ascii')))}"


def token_parse(token: str) -> ParsedToken:
    """Split and decode a token (no signature check yet); refuses anything malformed."""
    if len(token) > MAX_TOKEN_CHARS:
        raise _malformed("长度超出限制")
    parts = token.split(".")
    if len(parts) != 3:
        raise _malformed("应由三段组成")
    try:
        header = json.loads(b64d(parts[0]))
        payload = json.loads(b64d(parts[1]))
        signature = b64d(parts[2])
    except (ValueError, UnicodeDecodeError) as error:
        raise _malformed("无法解码") from error
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise _malformed("头部和声明应为JSON对象")
    if header.get("alg") != ALG or header.get("typ") != TOKEN_TYPE:
        raise _malformed(f"只接受 {ALG} 签名的 {TOKEN_TYPE} 令牌")
    key_id = header.get("kid")
    if not isinstance(key_id, str) or not key_id or len(key_id) > 80:
        raise _malformed("缺少密钥标识（kid）")
    return ParsedToken(
        key_id=key_id,
        claims=TokenClaims.from_payload(payload),
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=signature,
    )


def signature_valid(public_key: Ed25519PublicKey, signature: bytes, signed: bytes) -> bool:
    try:
        public_key.verify(signature, signed)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class AnswerSignature:
    key_id: str
    issuer: str
    request_id: str
    protected: str  # the encoded header, part of the signing input
    signature: bytes

    def signing_input(self, body: bytes) -> bytes:
        return f"{self.protected}.{b64e(body)}".encode("ascii")


def answer_sign(
    body: bytes, *, key_id: str, issuer: str, request_id: str, private_key: Ed25519PrivateKey
) -> str:
    protected = b64e(_json({"alg": ALG, "kid": key_id, "iss": issuer, "req": request_id}))
    signing_input = f"{protected}.{b64e(body)}".encode("ascii")
    return f"{protected}..{b64e(private_key.sign(signing_input))}"


def answer_signature_parse(value: str) -> AnswerSignature | None:
    """The detached JWS from the answer's header; None when absent or malformed."""
    parts = value.strip().split(".")
    if len(value) > MAX_TOKEN_CHARS or len(parts) != 3 or parts[1] != "":
        return None
    try:
        header = json.loads(b64d(parts[0]))
        signature = b64d(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != ALG:
        return None
    fields = [header.get("kid"), header.get("iss"), header.get("req")]
    if not all(isinstance(f, str) and f for f in fields):
        return None
    return AnswerSignature(
        key_id=header["kid"],
        issuer=header["iss"],
        request_id=header["req"],
        protected=parts[0],
        signature=signature,
    )
