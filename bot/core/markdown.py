"""Text people typed, made inert inside a Markdown document.

An answer like "# Root cause | see <script>" must read as those characters, not
become a heading, a table column or raw HTML. CommonMark lets a backslash escape
any ASCII punctuation, so the characters with a meaning are escaped wherever they
are, and the ones that only mean something at the start of a line (headings,
quotes, list markers) are escaped there. Pure: standard library only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_ANYWHERE = re.compile(r"([\\`*_{}\[\]<>|~!])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_ORDERED = re.compile(r"^(\d+)([.)])")
_SPACE = re.compile(r"\s+")


def inline(text: str) -> str:
    """One line of inert text: whitespace collapsed, every marker escaped."""
    return _escape_line(_SPACE.sub(" ", text).strip())


def cell(text: str) -> str:
    """Inert text for a table cell (the pipe is escaped by `inline` already)."""
    return inline(text)


def block(text: str) -> str:
    """Several lines of inert text, one paragraph per line people wrote."""
    lines = [_escape_line(" ".join(line.split())) for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line)


def link_target(url: str | None) -> str | None:
    """`<url>` for an http(s) URL with nothing that could end the link early, else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if any(c in url for c in "<> \t\n\r"):
        return None
    return f"<{url.strip()}>"


def _escape_line(line: str) -> str:
    escaped = _ENTITY.sub(r"\\&", _ANYWHERE.sub(r"\\\1", line))
    if _ORDERED.match(escaped):
        return _ORDERED.sub(r"\1\\\2", escaped, count=1)
    if escaped[:1] in ("#", "+", "-", "="):
        return "\\" + escaped
    return escaped
