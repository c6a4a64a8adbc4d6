"""Block Kit builders: small functions returning plain dicts.

A section's text is kept whole here: the message is fitted to Slack's limits as a
whole when it is sent (`bot.slack.limits.fit_message`), which keeps what it
shortens for a follow-up. Labels are shortened with "…" where they are built."""

from __future__ import annotations

from bot.slack import limits

Block = limits.Block


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> Block:
    plain = limits.label(text, limits.HEADER_TEXT)
    return {"type": "header", "text": {"type": "plain_text", "text": plain, "emoji": True}}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts]}


def divider() -> Block:
    return {"type": "divider"}
