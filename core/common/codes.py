"""Verification codes printed on reports and check reports, typed back on the portal."""

from __future__ import annotations

import secrets

# No 0/O, 1/I: codes are read off paper.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def verification_code(length: int = 8) -> str:
    """Random, with at least one digit, so a code never reads as a word."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in code):
            return code
