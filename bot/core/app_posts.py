"""PagerDuty's Slack app posts, folded into the PagerDuty event they announce.

PagerDuty's Slack app posts each incident change in the channel ("Triggered",
"Acknowledged by …", "Escalated", "Resolved") while the webhook and the REST log
report the same change: without this rule an escalation shows three times and the
resolve twice. A post is PagerDuty's when it came from an app named PagerDuty
(`bot_profile.name`, `username` or the attachment's `author_name`, which
`bot.core.spoken.actor_of` keeps as the actor), or came from an app known only by its
bot id and links a PagerDuty incident, and says a status change; it joins
the PagerDuty line of the same kind, incident (when the post links one) and
minute. The PagerDuty line is kept (it has the incident, its kind and who acted),
with a note that Slack said it too (`also_in`). Pure: standard library and the
timeline's entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta

from bot.core.timeline import ACKNOWLEDGED, RESOLVED, TRIGGER, TimelineEntry

# The app's post and PagerDuty's own record of one change land within the same minute.
SAME_MINUTE = timedelta(minutes=1)
APP_NAMES = re.compile(r"\bpager\s?duty\b", re.I)
# The status words the app writes, first match wins (an "Acknowledged" post of a
# "triggered" incident is the acknowledgement).
_KINDS = (
    (re.compile(r"\bresolved\b", re.I), RESOLVED),
    (re.compile(r"\bescalated\b", re.I), "escalated"),
    (re.compile(r"\b(?:acknowledged|acked)\b", re.I), ACKNOWLEDGED),
    (re.compile(r"\breassigned\b", re.I), "reassigned"),
    (re.compile(r"\btriggered\b", re.I), TRIGGER),
)
_INCIDENT_LINK = re.compile(r"pagerduty\.com/incidents/([A-Z0-9]{5,})")
_BOT_ID = re.compile(r"B[A-Z0-9]{6,}")


@dataclass(frozen=True)
class AppPost:
    """What a PagerDuty app post announces: the change's kind, and the incident when linked."""

    kind: str
    incident_id: str | None


def announced(entry: TimelineEntry) -> AppPost | None:
    """The change a Slack line of PagerDuty's app announces; None for anything else."""
    if entry.source != "slack" or not entry.actor:
        return None
    link = _INCIDENT_LINK.search(entry.text)
    # Named PagerDuty, or an app known only by its bot id that links a PagerDuty incident.
    if not APP_NAMES.search(entry.actor) and not (_BOT_ID.fullmatch(entry.actor) and link):
        return None
    kind = next((kind for pattern, kind in _KINDS if pattern.search(entry.text)), None)
    if kind is None:
        return None
    return AppPost(kind, link.group(1) if link else None)


def fold(ordered: list[TimelineEntry]) -> list[TimelineEntry]:
    """`ordered` (time order) with each PagerDuty app post folded into its PagerDuty line.

    A post with no PagerDuty line to join (no webhook, no log) stays as it is."""
    folded: dict[int, TimelineEntry] = {}
    dropped: set[int] = set()
    for index, entry in enumerate(ordered):
        post = announced(entry)
        if post is None:
            continue
        twin = _twin(ordered, index, post, dropped)
        if twin is not None:
            kept = folded.get(twin, ordered[twin])
            folded[twin] = _joined(kept, entry)
            dropped.add(index)
    return [folded.get(i, entry) for i, entry in enumerate(ordered) if i not in dropped]


def _twin(ordered: list[TimelineEntry], index: int, post: AppPost, dropped: set[int]) -> int | None:
    """The PagerDuty line nearest in time to the post at `index` that it announces; only
    the neighbours within a minute are looked at (`ordered` is in time order)."""
    entry = ordered[index]
    best: tuple[timedelta, int] | None = None
    for other_index in _within_a_minute(ordered, index):
        other = ordered[other_index]
        if other.source != "pagerduty" or other.kind != post.kind or other_index in dropped:
            continue
        if post.incident_id and other.incident_id and other.incident_id != post.incident_id:
            continue
        gap = abs(other.occurred_at - entry.occurred_at)
        if best is None or gap < best[0]:
            best = (gap, other_index)
    return best[1] if best else None


def _within_a_minute(ordered: list[TimelineEntry], index: int) -> list[int]:
    at = ordered[index].occurred_at
    before = index - 1
    while before >= 0 and at - ordered[before].occurred_at <= SAME_MINUTE:
        before -= 1
    after = index + 1
    while after < len(ordered) and ordered[after].occurred_at - at <= SAME_MINUTE:
        after += 1
    return [i for i in range(before + 1, after) if i != index]


def _joined(kept: TimelineEntry, post: TimelineEntry) -> TimelineEntry:
    also = kept.also_in if "slack" in kept.also_in else (*kept.also_in, "slack")
    return replace(kept, is_key=kept.is_key or post.is_key, also_in=also)
