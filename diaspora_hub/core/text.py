"""User text: normalised on the way in, rendered as sanitised Markdown on the way out."""

from __future__ import annotations

import html
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)

_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def clean_text(value: str) -> str:
    """Drop control characters (keeping newlines and tabs) and surrounding blanks."""
    value = unicodedata.normalize("NFC", value)
    kept = (ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return "".join(kept).strip()


def render_markdown(source: str) -> Markup:
    """Markdown → HTML with raw HTML disabled and the result sanitised again."""
    html = _markdown.render(source)
    # Headings start at h2 so user text never competes with the page's own h1.
    for level in range(5, 0, -1):
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    safe = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(safe)  # noqa: S704 - sanitised by nh3 just above


def markdown_excerpt(source: str, limit: int = 200) -> str:
    """A one-line excerpt of Markdown for lists, without its markup."""
    return plain_text(html.unescape(nh3.clean(_markdown.render(source), tags=set())), limit)


def plain_text(source: str, limit: int = 200) -> str:
    """A one-line excerpt for lists and notifications."""
    one_line = " ".join(source.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"
