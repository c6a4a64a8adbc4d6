"""Slack's text conventions: mrkdwn escaping, mentions, links, message timestamps.

Whatever a person typed is escaped before the bot posts it, so an echoed
`<!channel>` or `<@U123>` is shown, not acted upon. Pure string work, so the
templates and the services use it as well as the Block Kit builders.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.report_text import as_typed


def escape(text: str) -> str:
    """Slack mrkdwn escaping of the three control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(slack_text: str) -> str:
    """Text Slack sent (`&lt;`, `<@U…>`, `<!channel>`) echoed back as the words its writer
    typed, inert: escaping it as it came would show `&lt;`, and would escape it twice."""
    return escape(as_typed(slack_text))


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def link(url: str, label: str) -> str:
    return f"<{url}|{escape(label).replace('|', '¦')}>"


def ts_to_datetime(ts: str) -> datetime:
    """A Slack message timestamp ("1700000000.000100") as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


def utc_minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
