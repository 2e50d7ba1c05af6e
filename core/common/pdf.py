"""PDF documents with ReportLab and an embedded Chinese font: Noto Sans SC Regular (SIL OFL 1.1),
vendored in core/common/fonts/ as a GB 2312 subset (tools/subset_report_font.py), subset again into
each PDF, so Chinese renders on any machine and the text can be extracted (ADRs 0008, 0017). The pieces every document uses: styles, tables, a QR code, the A4
page; the documents themselves are their domains' (reports, objection replies)."""

from __future__ import annotations

import io
import threading
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

FONT = "NotoSansSC"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular-GB2312.ttf"
# ReportLab keeps a registered TrueType font's subset state on the shared font object, so two
# threads rendering at once corrupt each other's subsets (KeyError in ttfonts). Rendering is
# CPU-bound under the GIL anyway; one lock per process costs nothing measurable.
_RENDERING = threading.Lock()


@cache
def chinese_font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    font = chinese_font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1),
        "h2": ParagraphStyle(
            "h2",
            fontName=font,
            fontSize=13,
            leading=20,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,  # a heading never ends a page without its table
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14),
        "muted": ParagraphStyle(
            "muted", fontName=font, fontSize=8.5, leading=12, textColor=colors.grey
        ),
    }


def escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(
    rows: list[list[str]],
    widths: list[float],
    style: ParagraphStyle,
    *,
    plain: bool = False,
) -> Table:
    """A grid with a shaded, repeated header row. Cells are paragraphs that wrap; with `plain`,
    the body's cells are text broken into lines here (`wrap_text`), which ReportLab lays out many
    times faster: for tables of thousands of rows (a check of 1,000 subjects)."""
    padding = 12  # ReportLab's default left and right cell padding, in points

    def cell(text: str, width: float, header: bool) -> Any:
        if plain and not header:
            return wrap_text(str(text), width - padding, style.fontName, style.fontSize)
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    cells = [[cell(c, w, n == 0) for c, w in zip(row, widths, strict=True)]
             for n, row in enumerate(rows)]  # fmt: skip
    heights: list[float | None] | None = None
    if plain:  # known from the line counts: ReportLab need not measure thousands of cells
        heights = [None] + [
            max(c.count("\n") + 1 for c in row) * style.leading + 6 for row in cells[1:]
        ]
    table = Table(cells, colWidths=widths, rowHeights=heights, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 1), (-1, -1), style.fontName, style.fontSize, style.leading),
    ]))  # fmt: skip
    return table


@cache
def _char_width(char: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(char, font, size))


# Characters that may not begin a line (Chinese line-breaking practice).
_NO_LINE_START = set("，。、；：！？）》」』】〕”’,.;:!?)")


def wrap_text(text: str, width: float, font: str, size: float) -> str:
    """`text` broken into lines no wider than `width` points (existing line breaks kept), at any
    character, never before closing punctuation."""
    lines = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for char in paragraph:
            advance = _char_width(char, font, size)
            if line and used + advance > width and char not in _NO_LINE_START:
                lines.append(line)
                line, used = "", 0.0
            line += char
            used += advance
        lines.append(line)
    return "\n".join(lines)


def qr(text: str) -> Drawing:
    widget = QrCodeWidget(text)
    x1, y1, x2, y2 = widget.getBounds()
    size = 28 * mm
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def _numbered(footer: str) -> type[Canvas]:
    """A canvas that writes `footer` and "第 N 页 共 M 页" at the foot of every page: pages are
    kept until the document ends, when M is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                self.setFont(chinese_font(), 8)
                self.setFillColor(colors.grey)
                self.drawString(18 * mm, 9 * mm, footer)
                self.drawRightString(A4[0] - 18 * mm, 9 * mm, f"第 {number} 页 共 {total} 页")
                super().showPage()
            super().save()

    return NumberedCanvas


def build(story: list[Any], title: str, *, footer: str | None = None) -> bytes:
    """The A4 document. With `footer`, every page carries it and its page number of the total."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=title)  # fmt: skip
    with _RENDERING:
        if footer is None:
            doc.build(story)
        else:
            doc.build(story, canvasmaker=_numbered(footer))
    return out.getvalue()
