"""An objection's written reply as a PDF (征信业管理条例 Art. 25; core/common/pdf.py)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from core.common.pdf import build, escape, styles, table


def reply_pdf(*, platform: str, number: str, subject: str, record: str, outcome: str, reply: str,
              answered_on: str) -> bytes:  # fmt: skip
    """An objection's written reply (征信业管理条例 Art. 25)."""
    s = styles()
    story: list[Any] = [
        Paragraph("信用信息异议处理答复书", s["title"]), Spacer(1, 6 * mm),
        table([["项目", "内容"], ["受理编号", number], ["主体", subject], ["异议信息", record],
                ["处理结果", outcome], ["答复日期", answered_on]], [35 * mm, 135 * mm], s["body"]),
        Spacer(1, 5 * mm), Paragraph("答复意见：", s["h2"]),
        *[Paragraph(escape(line), s["body"]) for line in reply.splitlines() if line.strip()],
        Spacer(1, 8 * mm), Paragraph(escape(platform), s["body"]),
    ]  # fmt: skip
    return build(story, "信用信息异议处理答复书")
