"""决定文书号 as people type them: `万州市监罚〔2026〕1号` arrives as `[2026]`, `【2026】`, `(2026)`,
`（2026）` or with spaces. One key for both sides of every comparison."""

from __future__ import annotations

import re

_BRACKETS = str.maketrans(
    {**dict.fromkeys("[【(（［﹝〔", "〔"), **dict.fromkeys("]】)）］﹞〕", "〕")}
)
# Full-width digits and letters (０-９, Ａ-Ｚ, ａ-ｚ) fold to ASCII.
_FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF5B)})
_SPACES = re.compile(r"\s+")


def doc_number_key(text: str) -> str:
    """What two document numbers must share to be the same: brackets of any kind as 〔〕, no
    spaces (ASCII, full-width or others), full-width digits and letters as ASCII."""
    return _SPACES.sub("", text.translate(_BRACKETS).translate(_FULL_WIDTH))
