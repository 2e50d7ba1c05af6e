"""Personal identity numbers: found by exact number, never stored or shown in the clear.

- `lookup_hash`: HMAC-SHA256 with SUBJECT_LOOKUP_KEY, so an exact number finds its subject.
- `encrypt` / `decrypt`: Fernet with SUBJECT_DATA_KEY, for authorised contexts (reports).
Both keys come from the environment; in DEBUG they are derived from the secret key. Either may be
rotated: the earlier keys stay in *_FALLBACKS (readers accept them) until `manage.py
subjects_rekey` has re-hashed and re-encrypted every district's subjects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=8)
def _lookup_key(configured: str) -> bytes:
    return configured.encode() if configured else _derived("subject-lookup")


@lru_cache(maxsize=8)
def _current(configured: str) -> Fernet:
    return Fernet(
        configured.encode() if configured else base64.urlsafe_b64encode(_derived("subject-data"))
    )


@lru_cache(maxsize=8)
def _fernet(configured: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    """The current key first (it encrypts); earlier keys still decrypt during a rotation."""
    return MultiFernet([_current(configured), *(Fernet(k.encode()) for k in fallbacks)])


def _data_keys() -> MultiFernet:
    return _fernet(settings.SUBJECT_DATA_KEY, tuple(settings.SUBJECT_DATA_KEY_FALLBACKS))


def _hash(key: bytes, number: str) -> str:
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def lookup_hash(number: str) -> str:
    """The hash stored for a number: with the current lookup key."""
    return _hash(_lookup_key(settings.SUBJECT_LOOKUP_KEY), number)


def lookup_hashes(number: str) -> list[str]:
    """Every hash a stored subject may carry for this number: the current key's, and during a
    rotation the earlier keys' (subjects not yet re-hashed). Readers filter with `id_hash__in`."""
    return [
        lookup_hash(number),
        *(_hash(k.encode(), number) for k in settings.SUBJECT_LOOKUP_KEY_FALLBACKS),
    ]


def encrypt(number: str) -> str:
    return _data_keys().encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    return _data_keys().decrypt(token.encode()).decode()


def encrypted_with_current_key(token: str) -> bool:
    try:
        _current(settings.SUBJECT_DATA_KEY).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """The same number encrypted with the current key (rotation)."""
    return _data_keys().rotate(token.encode()).decode()
