"""Build the PDFs' Chinese font, core/common/fonts/NotoSansSC-Regular-GB2312.ttf (ADR 0017).

A build step, not a runtime dependency: run it by hand when the font is to be rebuilt, with
fontTools in any environment (not the project's), on Noto Sans SC Regular as published in the npm
package @expo-google-fonts/noto-sans-sc (Google Fonts' static TrueType build, SIL OFL 1.1):

    npm pack @expo-google-fonts/noto-sans-sc@0.4.3 && tar xzf expo-google-fonts-noto-sans-sc-0.4.3.tgz
    python -m venv /tmp/fonttools && /tmp/fonttools/bin/pip install fonttools
    /tmp/fonttools/bin/python tools/subset_report_font.py package/400Regular/NotoSansSC_400Regular.ttf

It keeps GB 2312's characters (levels 1 and 2: 6,763 hanzi, with its symbols), ASCII, Latin-1,
general punctuation, CJK symbols and punctuation and the full-width forms. The OFL lets a
subset be distributed under the same licence; "Noto" is not a Reserved Font Name, so the subset
keeps its name.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "core" / "common" / "fonts"
NAME = "NotoSansSC-Regular-GB2312.ttf"
RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x214F), (0x2190, 0x21FF),
          (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]  # fmt: skip


def gb2312() -> set[int]:
    """Every character GB 2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    found = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([row, cell]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def main(source: str) -> None:
    from fontTools import subset  # type: ignore[import-not-found,unused-ignore]

    codepoints = gb2312() | {c for low, high in RANGES for c in range(low, high + 1)}
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # a PDF viewer does not hint; half the size
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    OUT.mkdir(exist_ok=True)
    subset.save_font(font, str(OUT / NAME), options)
    size = (OUT / NAME).stat().st_size
    sys.stdout.write(f"{OUT / NAME}: {len(codepoints)} code points, {size} bytes\n")


if __name__ == "__main__":
    main(sys.argv[1])
