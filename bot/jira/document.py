"""A ticket's Markdown body as an Atlassian Document Format document (pure).

The body `bot.trackers.drafts.body` writes has three shapes of line: a paragraph that may
start `**Label:**`, a `- ` list line, and the hidden marker; `[title](url)` links. Each
becomes its ADF node (paragraph, bulletList, strong and link marks), every text as a
text node, never markup, so the marker stays a text node the bot can read back.
"""

from __future__ import annotations

import re
from typing import Any

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_STRONG = re.compile(r"\*\*([^*\n]+)\*\*\s*")

Node = dict[str, Any]


def adf(body: str) -> Node:
    """The document: one paragraph per line, consecutive `- ` lines as one bullet list."""
    content: list[Node] = []
    bullets: list[Node] = []
    for line in body.splitlines():
        if line.startswith("- "):
            bullets.append({"type": "listItem", "content": [_paragraph(line[2:])]})
            continue
        if bullets:
            content.append({"type": "bulletList", "content": bullets})
            bullets = []
        if line.strip():
            content.append(_paragraph(line))
    if bullets:
        content.append({"type": "bulletList", "content": bullets})
    return {"type": "doc", "version": 1, "content": content}


def plain_text(node: Any) -> str:
    """Every text node of an ADF document (or a plain string, Jira's v2 shape), joined."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        own = node.get("text") if node.get("type") == "text" else None
        inner = "\n".join(plain_text(child) for child in node.get("content") or [])
        return "\n".join(part for part in (own, inner) if isinstance(part, str) and part)
    if isinstance(node, list):
        return "\n".join(plain_text(child) for child in node)
    return ""


def _paragraph(line: str) -> Node:
    nodes: list[Node] = []
    strong = _STRONG.match(line)
    if strong:
        nodes.append(_text(strong.group(1), [{"type": "strong"}]))
        nodes.append(_text(" "))
        line = line[strong.end() :]
    at = 0
    for link in _LINK.finditer(line):
        if link.start() > at:
            nodes.append(_text(line[at : link.start()]))
        nodes.append(_text(link.group(1), [{"type": "link", "attrs": {"href": link.group(2)}}]))
        at = link.end()
    if at < len(line):
        nodes.append(_text(line[at:]))
    return {"type": "paragraph", "content": nodes}


def _text(text: str, marks: list[Node] | None = None) -> Node:
    node: Node = {"type": "text", "text": text}
    if marks:
        node["marks"] = marks
    return node
