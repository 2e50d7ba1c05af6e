"""PDF rendering of an assembled report (and of an objection's written reply) with ReportLab and
an embedded Chinese font: WenQuanYi Micro Hei from the `paperang-p2-fonts-cjk` wheel, subset into
each PDF, so Chinese renders on any machine and the text can be extracted (ADR 0008)."""

from __future__ import annotations

import io
import threading
from functools import cache
from importlib import resources
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "WenQuanYiMicroHei"
# ReportLab keeps a registered TrueType font's subset state on the shared font object, so two
# threads rendering at once corrupt each other's subsets (KeyError in ttfonts). Rendering is
# CPU-bound under the GIL anyway; one lock per process costs nothing measurable.
_RENDERING = threading.Lock()


@cache
def _font() -> str:
    path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
    with resources.as_file(path) as file:
        pdfmetrics.registerFont(TTFont(FONT, str(file), subfontIndex=0))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1),
        "h2": ParagraphStyle(
            "h2", fontName=font, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14),
        "muted": ParagraphStyle(
            "muted", fontName=font, fontSize=8.5, leading=12, textColor=colors.grey
        ),
    }


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: list[list[str]], widths: list[float], style: ParagraphStyle) -> Table:
    table = Table(
        [[Paragraph(_escape(c), style) for c in row] for row in rows],
        colWidths=widths,
        repeatRows=1,
    )
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    return table


def _qr(text: str) -> Drawing:
    widget = QrCodeWidget(text)
    x1, y1, x2, y2 = widget.getBounds()
    size = 28 * mm
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def report_pdf(
    data: dict[str, Any], *, verification_code: str, verify_url: str, platform: str
) -> bytes:
    """One PDF of the report: a cover with the number, verification code, QR code and counts per
    section, then every section in order ("查询期内无相关信息" where empty)."""
    s = _styles()
    story: list[Any] = [Paragraph(_escape(data["title"]), s["title"]), Spacer(1, 6 * mm)]
    cover = data["cover"]
    facts = [["报告编号", data["number"]], ["验证码", verification_code], ["主体名称", cover["name"]],
             ["代码", cover["code"]], ["数据截止时间", data["data_as_of"][:16].replace("T", " ")],
             ["标签", "、".join(cover["labels"]) or "—"]]  # fmt: skip
    story.append(Table([[_table([["项目", "内容"], *facts], [32 * mm, 95 * mm], s["body"]), _qr(verify_url)]],
                       colWidths=[130 * mm, 40 * mm]))  # fmt: skip
    story.append(Spacer(1, 4 * mm))
    story.append(_table([["信息类别", "条数"], *[[c["title"], str(c["count"])] for c in cover["counts"]]],
                        [120 * mm, 40 * mm], s["body"]))  # fmt: skip
    story.append(
        Paragraph(
            f"扫描二维码或登录{_escape(platform)}“报告验证”页面，凭报告编号和验证码核验本报告。",
            s["muted"],
        )
    )
    for number, section in enumerate(data["sections"], start=1):
        story.append(Paragraph(f"{number}. {_escape(section['title'])}", s["h2"]))
        if section["empty_text"]:
            story.append(Paragraph(_escape(section["empty_text"]), s["body"]))
        elif section["key"] == "basic":
            story.append(_table([["项目", "内容"], *[[k, "；".join(v) if isinstance(v, list) else str(v)] for k, v in section["items"][0].items()]],
                                [45 * mm, 125 * mm], s["body"]))  # fmt: skip
        elif section["key"] == "queries":
            rows = [["查询日期", "查询人", "类型", "用途"]]
            rows += [
                [q["date"], q["requester"], q["requester_kind"], q["purpose"]]
                for q in section["items"]
            ]
            story.append(_table(rows, [25 * mm, 65 * mm, 35 * mm, 45 * mm], s["body"]))
        elif section["key"] == "consents":
            rows = [["登记日期", "被授权人", "用途与范围", "有效期", "渠道", "状态"]]
            rows += [
                [c["date"], c["grantee"], f"{c['purpose']}（{c['scope']}）", c["valid"],
                 c["channel"], c["status"]]
                for c in section["items"]
            ]  # fmt: skip
            widths = [22 * mm, 38 * mm, 40 * mm, 30 * mm, 22 * mm, 18 * mm]
            story.append(_table(rows, widths, s["body"]))
        elif section["key"] == "advice":
            for item in section["items"]:
                story.append(Paragraph("• " + _escape(item["advice"]), s["body"]))
        else:
            rows = [["类别", "文书号", "决定机关", "决定日期", "内容", "公示至"]]
            for i in section["items"]:
                summary = i["summary"] + (
                    f"（罚款{i['fine_wan']}万元）" if i.get("fine_wan") else ""
                )
                summary += "【异议处理中】" if i.get("disputed") else ""
                rows.append(
                    [
                        i["kind"],
                        i["doc_number"],
                        i["authority"],
                        i["decision_date"],
                        summary,
                        i["publicity_until"],
                    ]
                )
            story.append(
                _table(rows, [18 * mm, 32 * mm, 30 * mm, 20 * mm, 50 * mm, 20 * mm], s["body"])
            )
    story += [Spacer(1, 6 * mm), Paragraph(_escape(data["statement"]), s["muted"])]
    return _build(story, data["title"])


def reply_pdf(*, platform: str, number: str, subject: str, record: str, outcome: str, reply: str,
              answered_on: str) -> bytes:  # fmt: skip
    """An objection's written reply (征信业管理条例 Art. 25)."""
    s = _styles()
    story: list[Any] = [
        Paragraph("信用信息异议处理答复书", s["title"]), Spacer(1, 6 * mm),
        _table([["项目", "内容"], ["受理编号", number], ["主体", subject], ["异议信息", record],
                ["处理结果", outcome], ["答复日期", answered_on]], [35 * mm, 135 * mm], s["body"]),
        Spacer(1, 5 * mm), Paragraph("答复意见：", s["h2"]),
        *[Paragraph(_escape(line), s["body"]) for line in reply.splitlines() if line.strip()],
        Spacer(1, 8 * mm), Paragraph(_escape(platform), s["body"]),
    ]  # fmt: skip
    return _build(story, "信用信息异议处理答复书")


def _build(story: list[Any], title: str) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=title)  # fmt: skip
    with _RENDERING:
        doc.build(story)
    return out.getvalue()
