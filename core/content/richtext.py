"""Article bodies written in the console's rich-text editor: HTML, kept to an allow-list of ordinary
text markup and web/mail links, both before it is stored and again whenever it is shown, so what
staff paste can never run in a visitor's browser. Markdown bodies go through `markdown.render`."""

from __future__ import annotations

from html import unescape

import nh3

from core.content.markdown import render as render_markdown

TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "h2", "h3", "h4", "ul", "ol", "li", "a",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def clean(html: str) -> str:
    """The allow-listed HTML: other tags are dropped (their text kept; script and style with their
    content), attributes other than a link's http/https/mailto href go, links get rel noopener."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def has_text(html: str) -> bool:
    """Whether the HTML shows any words (an editor left empty still posts `<p><br></p>`)."""
    return bool(unescape(nh3.clean(html, tags=set())).strip())


def render(body: str, *, rich_text: bool) -> str:
    """An article body as safe HTML, whichever way it was written."""
    return clean(body) if rich_text else render_markdown(body)
