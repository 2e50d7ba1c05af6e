"""Article bodies: Markdown to HTML, then sanitised (only ordinary text markup and links survive),
so what staff type can never run in a visitor's browser."""

from __future__ import annotations

import markdown as md
import nh3

TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "ul", "ol", "li", "blockquote", "a", "table",
    "thead", "tbody", "tr", "th", "td", "hr", "code", "pre",
}  # fmt: skip


def render(text: str) -> str:
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
