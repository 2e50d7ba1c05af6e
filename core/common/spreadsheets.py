"""What every spreadsheet the platform writes (exports, result files) needs."""

from __future__ import annotations


def neutralise(value: str) -> str:
    """Spreadsheet-formula text is written with a leading apostrophe, so Excel shows, not runs, it."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
