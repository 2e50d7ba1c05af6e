"""决定文书号 compare by one key: any bracket pair, any spaces, full-width digits (issue 21)."""

from __future__ import annotations

import pytest

from core.records.doc_numbers import doc_number_key

STORED = "万州市监罚〔2026〕1号"


@pytest.mark.parametrize(
    "typed",
    ["万州市监罚〔2026〕1号", "万州市监罚[2026]1号", "万州市监罚【2026】1号", "万州市监罚(2026)1号",
     "万州市监罚（2026）1号", "万州市监罚［2026］1号", "万州市监罚﹝2026﹞1号", "万州市监罚 [2026] 1号",
     "万州市监罚\u3000〔2026〕1号", "万州市监罚〔２０２６〕１号", "\t万州市监罚(2026)1号\n"],
)  # fmt: skip
def test_every_bracket_and_space_variant_has_the_stored_key(typed: str) -> None:
    assert doc_number_key(typed) == doc_number_key(STORED) == "万州市监罚〔2026〕1号"


@pytest.mark.parametrize(
    "other", ["万州市监罚〔2026〕2号", "万州市监罚〔2025〕1号", "万州市监罚2026 1号"]
)
def test_other_numbers_stay_different(other: str) -> None:
    assert doc_number_key(other) != doc_number_key(STORED)
