"""The credit report as a PDF (core/common/pdf.py: font, styles, tables). Every table has fixed
column widths, wide enough that a date (yyyy-MM-dd) never breaks inside its cell."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from core.common.pdf import build, escape, qr, styles, table
from core.reports.assembly import printable

DATE = 24 * mm  # a yyyy-MM-dd date at 9.5 pt with the cell's padding, with room to spare


def report_pdf(data: dict[str, Any], *, verification_code: str, verify_url: str) -> bytes:
    """One PDF of the report: a cover with the number, verification code, QR code, issuer and
    counts per section, then every section in order ("查询期内无相关信息" where empty); each page
    names the issuer and carries "第 N 页 共 M 页"."""
    data = printable(data)
    s = styles()
    issuer = data["issuer"]
    story: list[Any] = [Paragraph(escape(data["title"]), s["title"]), Spacer(1, 6 * mm)]
    cover = data["cover"]
    facts = [["报告编号", data["number"]], ["验证码", verification_code], ["主体名称", cover["name"]],
             [data["code_label"], cover["code"]], ["数据截止时间", data["as_of_text"]],
             ["出具平台", issuer.get("platform") or "—"], ["运营机构", issuer.get("operator") or "—"],
             ["标签", "、".join(cover["labels"]) or "—"]]  # fmt: skip
    story.append(Table([[table([["项目", "内容"], *facts], [32 * mm, 95 * mm], s["body"]), qr(verify_url)]],
                       colWidths=[130 * mm, 40 * mm]))  # fmt: skip
    story.append(Spacer(1, 4 * mm))
    story.append(table([["信息类别", "条数"], *[[c["title"], str(c["count"])] for c in cover["counts"]]],
                        [120 * mm, 40 * mm], s["body"]))  # fmt: skip
    story.append(
        Paragraph(
            f"扫描二维码或登录{escape(issuer.get('platform') or '平台')}“报告验证”页面，"
            "凭报告编号和验证码核验本报告，也可上传本PDF文件比对是否与平台存档一致。",
            s["muted"],
        )
    )
    for number, section in enumerate(data["sections"], start=1):
        story.append(Paragraph(f"{number}. {escape(section['title'])}", s["h2"]))
        if section["empty_text"]:
            story.append(Paragraph(escape(section["empty_text"]), s["body"]))
        elif section["key"] == "basic":
            rows = [["项目", "内容"], *[list(row) for row in section["rows"]]]
            story.append(table(rows, [45 * mm, 125 * mm], s["body"]))
        elif section["key"] == "queries":
            rows = [["查询日期", "查询人", "类型", "用途"]]
            rows += [
                [q["date"], q["requester"], q["requester_kind"], q["purpose"]]
                for q in section["items"]
            ]
            story.append(table(rows, [DATE, 66 * mm, 35 * mm, 45 * mm], s["body"]))
        elif section["key"] == "consents":
            rows = [["登记日期", "被授权人", "用途与范围", "有效期", "渠道", "状态"]]
            rows += [
                [c["date"], c["grantee"], f"{c['purpose']}（{c['scope']}）",
                 c["valid"].replace("至", "至\n"), c["channel"], c["status"]]
                for c in section["items"]
            ]  # fmt: skip
            widths = [DATE, 32 * mm, 38 * mm, 28 * mm, 26 * mm, 22 * mm]
            story.append(table(rows, widths, s["body"]))
        elif section["key"] == "advice":
            for item in section["items"]:
                story.append(Paragraph("• " + escape(item["advice"]), s["body"]))
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
            # 文书号 wide enough for 万州市监罚〔2026〕123号 on one line.
            widths = [18 * mm, 41 * mm, 28 * mm, DATE, 35 * mm, DATE]
            story.append(table(rows, widths, s["body"]))
    story += [Spacer(1, 6 * mm), Paragraph(escape(data["statement"]), s["muted"])]
    footer = f"出具平台：{issuer.get('platform') or '—'}　运营机构：{issuer.get('operator') or '—'}　报告编号：{data['number']}"
    return build(story, data["title"], footer=footer)
