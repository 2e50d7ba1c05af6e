"""Key material: generating Ed25519 pairs, wrapping private keys at rest (Fernet, the pattern of
core/subjects/protection.py), reading public keys. No database here; see services/keys.py."""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils import timezone

from exchange.tokens import b64e


@lru_cache(maxsize=4)
def _wrapper(configured: tuple[str, ...], fallback: str) -> MultiFernet:
    if configured:
        return MultiFernet([Fernet(key.encode()) for key in configured])
    derived = hashlib.sha256(f"exchange-signing-keys:{fallback}".encode()).digest()
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def _keys() -> MultiFernet:
    fallback = settings.SUBJECT_DATA_KEY or settings.SECRET_KEY
    return _wrapper(tuple(settings.EXCHANGE_KEY_SECRETS), fallback)


def private_key_wrap(key: Ed25519PrivateKey) -> str:
    return _keys().encrypt(key.private_bytes_raw()).decode("ascii")


@lru_cache(maxsize=64)
def private_key_unwrap(cipher: str) -> Ed25519PrivateKey:
    """Cached by ciphertext: decrypting on every request would cost more than the signature."""
    return Ed25519PrivateKey.from_private_bytes(_keys().decrypt(cipher.encode("ascii")))


def public_key_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


@lru_cache(maxsize=256)
def public_key_load(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def new_key_id(schema: str) -> str:
    """`<schema>-<yyyymmddHHMMSS>-<random>`: readable in logs, unique everywhere."""
    return f"{schema}-{timezone.now():%Y%m%d%H%M%S}-{b64e(secrets.token_bytes(6))}"


def key_fingerprint(public_key: str) -> str:
    """A short SHA-256 of the public key, for pages (staff compare it by telephone)."""
    return hashlib.sha256(public_key.encode("ascii")).hexdigest()[:16]
