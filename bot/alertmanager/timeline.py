"""An Alertmanager alert as timeline lines (source "monitoring").

A firing alert is one line at its `startsAt`; a resolved one is two, its firing at
`startsAt` and its resolution at `endsAt`, so a post-mortem whose firing notification
never came (the bot was down, the post-mortem was opened later) still shows when it
started. Each line's key is the transition's (`Alert.key`), so the resends Alertmanager
makes every `repeat_interval` add nothing. The text is the alert's own words (its
`summary` and `description` annotations), plain: each renderer escapes it.
"""

from __future__ import annotations

import re

from bot.alertmanager.webhook import FIRING, Alert
from bot.core.timeline import ALERT_FIRING, ALERT_RESOLVED, TimelineEntry, alert_actor

MAX_TEXT = 500
_WHITESPACE = re.compile(r"\s+")


def entries_of(alert: Alert) -> list[TimelineEntry]:
    """The lines `alert` puts on a timeline: its firing, and its resolution once resolved."""
    actor = alert_actor(alert.labels)
    fired = TimelineEntry(
        occurred_at=alert.starts_at,
        source="monitoring",
        source_key=_firing_key(alert),
        text=words_of(alert, "firing"),
        actor=actor,
        kind=ALERT_FIRING,
    )
    if alert.status == FIRING:
        return [fired]
    resolved = TimelineEntry(
        occurred_at=alert.ends_at or alert.starts_at,
        source="monitoring",
        source_key=alert.key,
        text=words_of(alert, "resolved"),
        actor=actor,
        kind=ALERT_RESOLVED,
    )
    return [fired, resolved]


def _firing_key(alert: Alert) -> str:
    return alert.key.removesuffix(":resolved")


def words_of(alert: Alert, transition: str) -> str:
    """ "Alert firing: High CPU core temperature — CPU core temperature is 34.75C", one
    line; the alert's name when it carries neither annotation."""
    notes = dict(alert.annotations)
    said = [notes[k].strip() for k in ("summary", "description") if notes.get(k, "").strip()]
    if len(said) == 2 and said[0] == said[1]:
        said.pop()
    line = _WHITESPACE.sub(" ", " — ".join(said) or alert.alertname).strip()
    if len(line) > MAX_TEXT:
        line = line[: MAX_TEXT - 1].rstrip() + "…"
    return f"Alert {transition}: {line}"
