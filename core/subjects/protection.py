"""Personal identity numbers: found by exact number, never stored or shown in the clear.

- `lookup_hash`: HMAC-SHA256 with SUBJECT_LOOKUP_KEY, so an exact number finds its subject.
- `encrypt` / `decrypt`: Fernet with SUBJECT_DATA_KEY, for authorised contexts (reports).
Both keys come from the environment; in DEBUG they are derived from the secret key. Changing the
lookup key needs a re-hash of every subject (docs/subsystems/records.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=4)
def _lookup_key(configured: str) -> bytes:
    return configured.encode() if configured else _derived("subject-lookup")


@lru_cache(maxsize=4)
def _fernet(configured: str) -> Fernet:
    key = configured.encode() if configured else base64.urlsafe_b64encode(_derived("subject-data"))
    return Fernet(key)


def lookup_hash(number: str) -> str:
    return hmac.new(
        _lookup_key(settings.SUBJECT_LOOKUP_KEY), number.encode(), hashlib.sha256
    ).hexdigest()


def encrypt(number: str) -> str:
    return _fernet(settings.SUBJECT_DATA_KEY).encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.SUBJECT_DATA_KEY).decrypt(token.encode()).decode()
